using Dragonflow.Model;
using Dragonflow.NorthDb;

namespace Dragonflow.Cli.Inspection;

/// <summary>
/// One read of the NB tables the inspection verbs (status, trace) look at, indexed by id.
/// Unreadable rows are left out and counted, so a corrupt object never hides the rest.
/// </summary>
public sealed record NbSnapshot(
    IReadOnlyDictionary<string, LogicalSwitch> Networks,
    IReadOnlyDictionary<string, LogicalSubnet> Subnets,
    IReadOnlyDictionary<string, LogicalPort> Ports,
    IReadOnlyDictionary<string, LogicalRouter> Routers,
    IReadOnlyDictionary<string, FloatingIp> FloatingIps,
    IReadOnlyDictionary<string, SecurityGroup> SecurityGroups,
    IReadOnlyDictionary<string, Chassis> Chassis,
    IReadOnlyDictionary<string, Publisher> Publishers,
    int CorruptRows = 0)
{
    public static async Task<NbSnapshot> ReadAsync(NbApi nb, CancellationToken ct = default)
    {
        var corrupt = 0;
        async Task<IReadOnlyDictionary<string, T>> Read<T>() where T : NbObject, new()
        {
            var list = await nb.ListAsync<T>(cancellationToken: ct);
            corrupt += list.Corrupt.Count;
            return list.Items.ToDictionary(o => o.Id, StringComparer.Ordinal);
        }
        return new NbSnapshot(
            await Read<LogicalSwitch>(), await Read<LogicalSubnet>(), await Read<LogicalPort>(), await Read<LogicalRouter>(),
            await Read<FloatingIp>(), await Read<SecurityGroup>(), await Read<Chassis>(), await Read<Publisher>())
        { CorruptRows = corrupt };
    }

    /// <summary>Builds a snapshot from objects (tests, and callers that already hold them).</summary>
    public static NbSnapshot Of(IEnumerable<NbObject> objects)
    {
        var all = objects.ToList();
        IReadOnlyDictionary<string, T> Pick<T>() where T : NbObject => all.OfType<T>().ToDictionary(o => o.Id, StringComparer.Ordinal);
        return new NbSnapshot(Pick<LogicalSwitch>(), Pick<LogicalSubnet>(), Pick<LogicalPort>(), Pick<LogicalRouter>(),
            Pick<FloatingIp>(), Pick<SecurityGroup>(), Pick<Chassis>(), Pick<Publisher>());
    }

    /// <summary>Every object, for code that wants to feed them elsewhere (e.g. a controller cache).</summary>
    public IEnumerable<NbObject> All =>
        Networks.Values.Cast<NbObject>().Concat(Subnets.Values).Concat(Ports.Values).Concat(Routers.Values)
            .Concat(FloatingIps.Values).Concat(SecurityGroups.Values).Concat(Chassis.Values).Concat(Publishers.Values);
}
