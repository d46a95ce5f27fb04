using Dragonflow.Controller.Topology;
using Dragonflow.Model;

namespace Dragonflow.Controller.Routing;

/// <summary>
/// What a change of one NB object means to the apps, table by table: the events it becomes,
/// following the relations between objects (a port's network, a subnet's network and its
/// ports, a chassis' ports and networks). A table missing here concerns no app. Adding an NB
/// table the apps react to is one entry here; adding an app is declaring the events it
/// handles (<see cref="Apps.ControllerApp.Handles"/>).
/// </summary>
public static class ChangeRoutes
{
    /// <summary>The events for a change of an object of a table, from its state before and after (either may be null).</summary>
    public delegate IEnumerable<AppEvent> Route(NbCache nb, string id, NbObject? before, NbObject? after);

    private static readonly Dictionary<NbTable, Route> ByTable = new()
    {
        [NbTables.Lport] = (_, id, before, after) =>
            [AppEvent.Port(id), .. NetworksOf(before as LogicalPort, after as LogicalPort, p => p.Lswitch).Select(n => AppEvent.Network(n))],
        [NbTables.Lswitch] = (_, id, _, _) => [AppEvent.Network(id, withPorts: true)],
        // e.g. enable_dhcp toggled: every port of the network is recomputed.
        [NbTables.Lsubnet] = (_, _, before, after) =>
            NetworksOf(before as LogicalSubnet, after as LogicalSubnet, s => s.Lswitch).Select(n => AppEvent.Network(n, withPorts: true)),
        [NbTables.Lrouter] = (_, id, _, _) => [AppEvent.Router(id)],
        [NbTables.FloatingIp] = (_, id, _, _) => [AppEvent.FloatingIp(id)],
        [NbTables.Lsecgroup] = (_, id, _, _) => [AppEvent.SecurityGroup(id)],
        [NbTables.Chassis] = (nb, id, before, after) =>
            before is Chassis b && after is Chassis a && a.SameTopologyAs(b)
                ? [] // a heartbeat only
                : [.. nb.PortsOfChassis(id).Select(AppEvent.Port), .. nb.NetworksOfChassis(id).Select(n => AppEvent.Network(n)),
                   // a gateway chassis came, went or changed: the gateway schedule of every SNAT router may change.
                   .. GatewayChanged(before as Chassis, after as Chassis)
                       ? nb.Routers.Values.Where(GatewaySchedule.NeedsGateway).Select(r => AppEvent.Router(r.Id))
                       : []],
    };

    /// <summary>The events for one changed object of <paramref name="table"/>; none for a table no app depends on.</summary>
    public static IReadOnlyList<AppEvent> Of(NbTable table, NbCache nb, NbObject? before, NbObject? after)
    {
        var id = (after ?? before)?.Id;
        if (id is null || !ByTable.TryGetValue(table, out var route)) return [];
        // Materialised now: the route reads the cache, which the next change may alter.
        return route(nb, id, before, after).ToList();
    }

    /// <summary>
    /// Everything, as after a full sync: in dependency order — routers, security groups,
    /// networks, ports, floating IPs — so that each app sees what it depends on first.
    /// </summary>
    public static IEnumerable<AppEvent> All(NbCache nb) =>
    [
        .. nb.Routers.Keys.Select(AppEvent.Router),
        .. nb.SecurityGroups.Keys.Select(AppEvent.SecurityGroup),
        .. nb.Networks.Keys.Select(n => AppEvent.Network(n)),
        .. nb.Ports.Keys.Select(AppEvent.Port),
        .. nb.FloatingIps.Keys.Select(AppEvent.FloatingIp),
    ];

    private static bool GatewayChanged(Chassis? before, Chassis? after) =>
        (before?.EnableChassisAsGateway ?? false) || (after?.EnableChassisAsGateway ?? false);

    private static IEnumerable<string> NetworksOf<T>(T? before, T? after, Func<T, string?> network) where T : class =>
        new[] { before is null ? null : network(before), after is null ? null : network(after) }.OfType<string>().Distinct(StringComparer.Ordinal);
}
