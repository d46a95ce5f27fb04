namespace Dragonflow.Model;

/// <summary>
/// Which gateway chassis SNAT a router's outbound traffic, in order of priority: a pure
/// function of NB (the router, its external network and the chassis rows), so every
/// controller, the API server and <c>dragonflow status</c> compute the same list and nothing
/// is written for it. The candidates are the chassis with
/// <see cref="Chassis.EnableChassisAsGateway"/> whose external bridge reaches the external
/// network's physical network, ordered by a stable hash of (router, chassis), highest first
/// (rendezvous hashing): the first choice is spread evenly across the gateways, and a gateway
/// that joins or leaves moves only the routers whose first choice it becomes or was; the
/// others keep their order. Liveness is not an
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
        return chassis
            .Where(c => c.EnableChassisAsGateway && (string.IsNullOrEmpty(physnet) || c.ExternalPhysicalNetworks.Contains(physnet)))
            .Select(c => c.Id)
            .OrderByDescending(c => Weight(router.Id, c))
            .ThenBy(c => c, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// FNV-1a (64-bit) over "router/chassis" as UTF-16 code units, then a final mix so that
    /// ids differing only at the end still spread: the same on every process and platform
    /// (string.GetHashCode is randomised).
    /// </summary>
    private static ulong Weight(string router, string chassis)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in router + "/" + chassis)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }
}
