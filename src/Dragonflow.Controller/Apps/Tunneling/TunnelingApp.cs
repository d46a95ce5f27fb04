using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.Tunneling;

/// <summary>
/// Tunnels between chassis. Egress: a remote port's reg7 in table 64 sets
/// tun_id = the network's segmentation id and tun_dst = its chassis, out of the flow-based
/// tunnel port. Ingress in table 0: tun_id selects the network (metadata); a local port's MAC
/// sets reg7 and goes to 72; broadcast/multicast is delivered to the network's local ports
/// only (never back into a tunnel, so no loops). A chassis that registers later is reached
/// as soon as its record arrives: the tunnel ports are flow-based, nothing to create.
/// Flat and VLAN networks are not carried here: the provider app sends them over their
/// physical network.
///
/// Owners: the port and the network.
/// </summary>
public sealed class TunnelingApp(ChassisContext context) : ControllerApp(context)
{
    public static readonly AppId AppId = new(2, "tunneling");

    private static readonly MacAddress MulticastBit = new(0x0100_0000_0000UL);

    /// <summary>The priority bands of tunneling, table by table.</summary>
    public static class Bands
    {
        /// <summary>Unicast from a tunnel to a local port, by tunnel port, network and MAC.</summary>
        public static readonly PriorityBand ToLocalPort = PriorityBand.At(Tables.IngressClassification, "tunnel to local port", Priorities.High);

        /// <summary>Broadcast and multicast from a tunnel: matched by the tunnel's in_port, below the unicast band.</summary>
        public static readonly PriorityBand Flood = PriorityBand.At(Tables.IngressClassification, "tunnel flood", Priorities.Medium, SharedBy.InPort);

        public static readonly PriorityBand RemotePort = PriorityBand.At(Tables.Egress, "remote port", Priorities.Medium, SharedBy.DestinationPort);

        public static IReadOnlyList<PriorityBand> All { get; } = [ToLocalPort, Flood, RemotePort];
    }

    public override AppContract Contract { get; } = new(AppId, Bands.All);

    public override AppEvents Handles => AppEvents.Port | AppEvents.Network;

    public override void OnPortChanged(string portId)
    {
        if (PortView.Resolve(Context, portId) is not { } p || Provider.PhysicalSegment.IsPhysical(p.Network))
        {
            Clear(FlowOwner.Port(portId));
            return;
        }
        var flows = new List<DesiredFlow>();
        if (Context.IsLocal(portId))
        {
            foreach (var tunnel in Context.Bridge.IngressTunnels)
            {
                flows.Add(new DesiredFlow(Tables.IngressClassification, Bands.ToLocalPort.Priority,
                    Match.Of(MatchField.InPort(tunnel), MatchField.TunnelId(p.SegmentationId), MatchField.EthDst(p.Mac)),
                    InstructionSet.Apply(
                    [
                        new SetField(MatchField.Metadata(p.NetworkKey)),
                        new SetField(MatchField.Register(Registers.DestinationPort, p.Key)),
                    ], Tables.IngressConntrack)));
            }
        }
        else if (Context.RemoteChassisOf(p.Port) is { } chassis && TunnelRoute.To(Context, chassis, p.SegmentationId) is { } route)
        {
            flows.Add(new DesiredFlow(Tables.Egress, Bands.RemotePort.Priority,
                Match.Of(MatchField.Register(Registers.DestinationPort, p.Key)), InstructionSet.Apply(route)));
        }
        Set(FlowOwner.Port(portId), flows);
    }

    public override void OnNetworkChanged(string networkId)
    {
        var owner = FlowOwner.Network(networkId);
        if (!Context.Nb.Networks.TryGetValue(networkId, out var network) || Provider.PhysicalSegment.IsPhysical(network) ||
            PortView.NetworkKeys(network) is not { } keys)
        {
            Clear(owner);
            return;
        }
        var actions = new List<OfAction> { new SetField(MatchField.Metadata(keys.Key)) };
        foreach (var local in Context.LocalPortsOf(networkId))
        {
            actions.Add(new SetField(MatchField.Register(Registers.DestinationPort, local.Key)));
            actions.Add(Resubmit.ToTable(Tables.IngressConntrack));
        }
        if (actions.Count == 1)
        {
            Clear(owner);
            return;
        }
        Set(owner, Context.Bridge.IngressTunnels.Select(tunnel =>
            new DesiredFlow(Tables.IngressClassification, Bands.Flood.Priority,
                Match.Of(MatchField.InPort(tunnel), MatchField.TunnelId(keys.Segment), MatchField.EthDst(MulticastBit, MulticastBit)),
                InstructionSet.Apply(actions))).ToList());
    }
}
