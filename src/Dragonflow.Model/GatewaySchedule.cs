namespace Dragonflow.Model;

/// <summary>
/// Which gateway chassis SNAT a router's outbound traffic, in order of priority: a pure
/// function of NB (the router, its external network and the chassis rows), so every
/// controller, the API server and <c>dragonflow status</c> compute the same list and nothing
/// is written for it. The candidates are the chassis with
/// <see cref="Chassis.EnableChassisAsGateway"/> whose external bridge reaches the external
/// network's physical network, ordered by name; each router starts the list at its own place
/// (a stable hash of its id), so the first choice is spread across the gateways, and a
/// gateway that joins or leaves moves only the routers it lands on or held. Liveness is not an
/// input: the datapath picks the first live gateway of the list (BFD), so the list does not
/// change when a chassis fails, and a returning chassis takes its routers back.
/// </summary>
public static class GatewaySchedule
{
    /// <summary>
    /// True if the router needs a gateway chassis: up, with an external gateway. With SNAT off
    /// too: its traffic is routed out untranslated through the gateway chassis, which alone
    /// answers for the router's gateway port on the external network.
    /// </summary>
    public static bool NeedsGateway(LogicalRouter router) =>
        router.AdminStateUp && router.ExternalGatewayInfo is { NetworkId.Length: > 0 };

    /// <summary>The router's gateway chassis, first choice first; empty when none qualifies (or it needs none).</summary>
    public static IReadOnlyList<string> For(LogicalRouter router, LogicalSwitch? externalNetwork, IEnumerable<Chassis> chassis)
    {
        if (!NeedsGateway(router)) return [];
        var physnet = externalNetwork?.PhysicalNetwork;
        var candidates = chassis
            .Where(c => c.EnableChassisAsGateway && (string.IsNullOrEmpty(physnet) || c.ExternalPhysicalNetworks.Contains(physnet)))
            .Select(c => c.Id)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (candidates.Count == 0) return [];
        var first = (int)(StableHash(router.Id) % (uint)candidates.Count);
        return [.. candidates.Skip(first), .. candidates.Take(first)];
    }

    /// <summary>FNV-1a over the id's UTF-16 code units: the same on every process and platform (string.GetHashCode is randomised).</summary>
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 16777619u;
        }
        return hash;
    }
}
