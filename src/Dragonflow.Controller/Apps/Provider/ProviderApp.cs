using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Topology;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps.Provider;

/// <summary>
/// Provider networks: flat and VLAN networks are carried by the physical network their
/// provider:physical_network names, not by the tunnels. [df] bridge_mappings gives the bridge
/// of each physical network on this chassis; the app declares each as a bridge patched to
/// br-int (<see cref="Needs"/>; dnat's external bridge is the same need, made once), and
/// classifies traffic through the patch in both directions (<see cref="ProviderFlows"/>): out
/// tagged with the VLAN id (untagged for flat), in by tag, untagged into br-int. l2 floods a
/// provider network to its uplink instead of the tunnels, and tunneling leaves it alone.
///
/// Routed traffic to a remote port of a flat or VLAN network leaves here over the physical
/// network as well, from this chassis' own MAC (<see cref="RoutedSourceMac"/>) rather than the
/// router interface's (see docs/architecture.md, "Provider networks").
///
/// A local port on a physical network this chassis has no mapping for cannot be served: it is
/// recorded in <see cref="PortFaults"/> (so it is not bound ACTIVE, and `dragonflow status`
/// shows why) and logged.
///
/// Owners: the port (its classification in, or its egress out, routed or not) and the network
/// (flood in, uplink and unknown unicast out).
/// </summary>
public sealed class ProviderApp(ChassisContext context) : ControllerApp(context)
{
    public static readonly AppId AppId = new(9, "provider");

    private readonly BridgeMappings _mappings = new(context.BridgeMappings);
    private readonly OpenFlow.Matching.MacAddress _routedSource = RoutedSourceMac.Of(context.Host);

    public override AppContract Contract { get; } = new(AppId, ProviderFlows.Bands.All);

    public override AppEvents Handles => AppEvents.Port | AppEvents.Network | AppEvents.Router;

    public override IReadOnlyList<ChassisNeed> Needs => _mappings.Bridges;

    public override void Start()
    {
        foreach (var entry in _mappings.Malformed)
            Context.Logger.LogWarning("bridge_mappings entry {Entry} is not physical_network:bridge; ignored", entry);
    }

    /// <summary>A patch port appeared, changed or went: every provider network depends on one.</summary>
    public override void OnBridgePortsChanged()
    {
        foreach (var (id, network) in Context.Nb.Networks)
        {
            if (!PhysicalSegment.IsPhysical(network)) continue;
            OnNetworkChanged(id);
        }
        RecomputePorts(_ => true);
    }

    /// <summary>A router's interfaces changed: the routed egress of remote ports on provider networks depends on their MACs.</summary>
    public override void OnRouterChanged(string routerId) => RecomputePorts(id => !Context.IsLocal(id));

    private void RecomputePorts(Func<string, bool> which)
    {
        foreach (var (id, port) in Context.Nb.Ports.ToList())
        {
            if (which(id) && Context.Nb.Networks.TryGetValue(port.Lswitch, out var n) && PhysicalSegment.IsPhysical(n)) OnPortChanged(id);
        }
    }

    public override void OnPortChanged(string portId)
    {
        var owner = FlowOwner.Port(portId);
        if (PortView.Resolve(Context, portId) is not { } p || !PhysicalSegment.IsPhysical(p.Network))
        {
            Context.PortFaults.Clear(portId);
            Clear(owner);
            return;
        }
        var local = Context.IsLocal(portId);
        if (Reach(p.Network) is not var (segment, patch))
        {
            if (local) Fault(portId, Unreachable(p.Network));
            else Context.PortFaults.Clear(portId);
            Clear(owner);
            return;
        }
        if (Context.PortFaults.Clear(portId) && local)
            Context.Logger.LogInformation("port {PortId} on {Segment} is served through {Bridge}", portId, segment, _mappings.BridgeOf(segment.PhysicalNetwork)!.Bridge);
        if (local) Set(owner, [ProviderFlows.FromPhysicalToPort(p, segment, patch)]);
        else if (Context.RemoteChassisOf(p.Port) is not null)
        {
            var flows = new List<DesiredFlow> { ProviderFlows.ToRemotePort(p, segment, patch) };
            foreach (var mac in RouterMacsOn(p.Network.Id))
                flows.Add(ProviderFlows.RoutedToRemotePort(p, mac, _routedSource, segment, patch));
            Set(owner, flows);
        }
        else Clear(owner);
    }

    public override void OnNetworkChanged(string networkId)
    {
        var owner = FlowOwner.Network(networkId);
        if (!Context.Nb.Networks.TryGetValue(networkId, out var network) || !PhysicalSegment.IsPhysical(network) ||
            PortView.NetworkKeys(network) is not { } keys || Reach(network) is not var (segment, patch))
        {
            Clear(owner);
            return;
        }
        var locals = Context.LocalPortsOf(networkId).ToList();
        if (locals.Count == 0)
        {
            Clear(owner); // nothing here sends on it or listens to it
            return;
        }
        Set(owner,
        [
            ProviderFlows.FromPhysicalFlood(keys.Key, locals, segment, patch,
                alsoExternal: segment.VlanId is null && _mappings.BridgeOf(segment.PhysicalNetwork)!.Bridge == Context.ExternalBridge),
            ProviderFlows.UnknownUnicast(keys.Key),
            ProviderFlows.ToUplink(keys.Key, segment, patch),
        ]);
    }

    /// <summary>The MACs of the router interfaces on the network (the source of frames routed into it).</summary>
    private IEnumerable<OpenFlow.Matching.MacAddress> RouterMacsOn(string networkId)
    {
        var macs = new SortedSet<ulong>();
        foreach (var routerId in Context.Nb.RoutersOfNetwork(networkId))
        {
            if (!Context.Nb.Routers.TryGetValue(routerId, out var router)) continue;
            foreach (var rp in router.Ports)
            {
                if (rp.Lswitch != networkId) continue;
                try
                {
                    macs.Add(OpenFlow.Matching.MacAddress.Parse(rp.Mac).Value);
                }
                catch (FormatException)
                {
                    Context.Logger.LogWarning("router {RouterId} interface {PortId} has no valid MAC ({Mac}); skipped", routerId, rp.Id, rp.Mac);
                }
            }
        }
        return macs.Select(m => new OpenFlow.Matching.MacAddress(m));
    }

    /// <summary>The network's segment and br-int's patch to its physical bridge; null if it has no valid segment, no mapping here or no patch yet.</summary>
    private (PhysicalSegment Segment, uint Patch)? Reach(Dragonflow.Model.LogicalSwitch network)
    {
        if (PhysicalSegment.Of(network) is not { } segment) return null;
        if (_mappings.BridgeOf(segment.PhysicalNetwork) is not { } bridge) return null;
        return Context.Bridge.NeededPort(bridge.IntegrationPatch) is { } patch ? (segment, patch) : null;
    }

    private string Unreachable(Dragonflow.Model.LogicalSwitch network)
    {
        if (PhysicalSegment.Of(network) is not { } segment)
            return $"network {network.Id} is {network.NetworkType} without a valid physical network or VLAN id";
        return _mappings.BridgeOf(segment.PhysicalNetwork) is { } bridge
            ? $"the patch to {bridge.Bridge} for physical network {segment.PhysicalNetwork} is not up yet"
            : $"physical network {segment.PhysicalNetwork} has no bridge mapping on this chassis";
    }

    private void Fault(string portId, string reason)
    {
        if (Context.PortFaults.All.GetValueOrDefault(portId) == reason) return;
        // Logged before it is recorded: recording it reports it (the chassis report) at once.
        Context.Logger.LogWarning("port {PortId} stays DOWN: {Reason}", portId, reason);
        Context.PortFaults.Set(portId, reason);
    }
}
