using System.Net;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Actions;

namespace Dragonflow.Controller.Apps.L3;

/// <summary>
/// Distributed routing between the subnets of a router, on every chassis: frames
/// to a router interface MAC go from table 17 to table 20; echo requests to an interface address
/// are answered there; traffic to another subnet of the router is routed per destination VM
/// (MACs rewritten, TTL decremented, reg7 and metadata = the destination, on to table 64, which
/// delivers locally or through the tunnel). ARP for interface addresses is answered by the L2
/// app: the interface is an lport holding the gateway address.
///
/// The two variants differ only in how the per-VM hop is installed: ahead of time in table 25
/// (<see cref="L3ProactiveApp"/>) or on the first packet (<see cref="L3ReactiveApp"/>).
/// Owners: the router (interface, subnet and extra-route flows).
/// </summary>
public abstract class L3App(ChassisContext context) : ControllerApp(context)
{
    public const string RouterInterfaceOwner = DeviceOwners.RouterInterface;

    /// <summary>The networks each router had when its flows were last computed (to recompute what it left).</summary>
    private readonly Dictionary<string, HashSet<string>> _routerNetworks = new(StringComparer.Ordinal);

    public override AppEvents Handles => AppEvents.Router | AppEvents.Port | AppEvents.Network | AppEvents.PacketIn;

    /// <summary>What table 20 does with traffic to another subnet of the router.</summary>
    protected abstract InstructionSet SubnetAction { get; }

    /// <summary>A router or one of the networks it routes changed: its own flows are recomputed, then per-VM state.</summary>
    protected virtual void OnRouterNetworksChanged(IReadOnlyCollection<string> networks) { }

    public override void OnRouterChanged(string routerId)
    {
        var networks = new HashSet<string>(_routerNetworks.GetValueOrDefault(routerId) ?? [], StringComparer.Ordinal);
        ComputeRouter(routerId);
        networks.UnionWith(_routerNetworks.GetValueOrDefault(routerId) ?? []);
        OnRouterNetworksChanged(networks);
    }

    public override void OnNetworkChanged(string networkId)
    {
        // A network's arrival or key change resolves (or moves) an interface: the router's flows
        // and the hops of every network it routes depend on it.
        foreach (var r in Context.Nb.RoutersOfNetwork(networkId).ToList()) OnRouterChanged(r);
    }

    public override void OnPortChanged(string portId)
    {
        // An extra route's next hop may be this port: routers with routes on its network are recomputed.
        if (!Context.Nb.Ports.TryGetValue(portId, out var port)) return;
        foreach (var r in Context.Nb.RoutersOfNetwork(port.Lswitch).ToList())
        {
            if (Context.Nb.Routers.TryGetValue(r, out var router) && router.Routes.Count > 0) ComputeRouter(r);
        }
    }

    private void ComputeRouter(string routerId)
    {
        var owner = FlowOwner.Router(routerId);
        if (!Context.Nb.Routers.TryGetValue(routerId, out var router) || !router.AdminStateUp)
        {
            _routerNetworks.Remove(routerId);
            Clear(owner);
            return;
        }
        var interfaces = L3Interface.Of(Context, router);
        _routerNetworks[routerId] = router.Ports.Select(p => p.Lswitch).ToHashSet(StringComparer.Ordinal);
        var flows = new List<DesiredFlow>();
        foreach (var from in interfaces)
        {
            flows.Add(L3Flows.ToRouter(from));
            foreach (var to in interfaces)
            {
                flows.Add(L3Flows.EchoReply(from, to));
                flows.Add(L3Flows.DropToRouter(from, to));
                if (to.NetworkId != from.NetworkId) flows.Add(L3Flows.SubnetLookup(from, to, SubnetAction));
            }
        }
        foreach (var route in router.Routes)
        {
            if (RouteHop(interfaces, route) is not { } hop) continue;
            foreach (var from in interfaces)
            {
                flows.Add(L3Flows.Hop(L3Flows.Bands.ExtraRoute, L3Flows.Bands.ExtraRoute.At(hop.Prefix), from.NetworkKey,
                    hop.Destination, hop.Prefix, hop.Via, hop.Next));
            }
        }
        Set(owner, flows);
    }

    /// <summary>An extra route resolved: the interface whose subnet holds the next hop and the port that has it.</summary>
    private (IPAddress Destination, int Prefix, L3Interface Via, PortView Next)? RouteHop(IReadOnlyList<L3Interface> interfaces, HostRoute route)
    {
        if (route.Destination.Split('/') is not [var dText, var lText] || !IPAddress.TryParse(dText, out var dest)
            || dest.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !int.TryParse(lText, out var prefix) || prefix is < 0 or > 32
            || !IPAddress.TryParse(route.Nexthop, out var nexthop))
            return null;
        var via = interfaces.FirstOrDefault(i => i.Contains(nexthop));
        if (via is null) return null;
        foreach (var id in Context.Nb.PortsOfNetwork(via.NetworkId))
        {
            if (PortView.Resolve(Context, id) is { } p && p.Ipv4.Contains(nexthop)) return (dest, prefix, via, p);
        }
        return null;
    }

    /// <summary>
    /// The hops to <paramref name="port"/> from every other network of the routers of its network:
    /// (source network key, interface the hop leaves by, the VM's address). Router interfaces
    /// themselves are no destination.
    /// </summary>
    protected IEnumerable<(ulong FromNetworkKey, L3Interface Via, IPAddress Address)> HopsTo(PortView port)
    {
        if (port.Port.DeviceOwner.StartsWith(DeviceOwners.RouterPrefix, StringComparison.Ordinal)) yield break;
        foreach (var r in Context.Nb.RoutersOfNetwork(port.Port.Lswitch))
        {
            if (!Context.Nb.Routers.TryGetValue(r, out var router) || !router.AdminStateUp) continue;
            var interfaces = L3Interface.Of(Context, router);
            foreach (var ip in port.Ipv4)
            {
                var via = interfaces.FirstOrDefault(i => i.NetworkId == port.Port.Lswitch && i.Contains(ip));
                if (via is null) continue;
                foreach (var from in interfaces)
                {
                    if (from.NetworkId != via.NetworkId) yield return (from.NetworkKey, via, ip);
                }
            }
        }
    }
}
