using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.L2;

/// <summary>
/// L2 switching: classification of local ports in table 0, the ARP responder
/// in table 10 for every known IPv4 address of a network, the L2 lookup in table 17 (unicast
/// by MAC; broadcast/multicast fanned out to the local ports and once to every other chassis
/// holding ports of the network — so the flow grows with local ports and chassis, never with
/// the network's size; a flat or VLAN network's flood goes once to its physical uplink instead,
/// reg7 = <see cref="Registers.PhysicalUplink"/> in table 64), local egress 64 → 72 → 78 → output. Tables 1, 3 and 6 (port
/// security, security groups) pass through until those apps exist.
///
/// Owners: <see cref="FlowOwner.Pipeline"/> (chassis-wide flows), the port (its flows), the
/// network (its broadcast flow).
/// </summary>
public sealed class L2App(ChassisContext context) : ControllerApp(context)
{
    public static readonly AppId AppId = new(1, "l2");

    private static readonly MacAddress MulticastBit = new(0x0100_0000_0000UL);

    /// <summary>The priority bands of l2, table by table.</summary>
    public static class Bands
    {
        public static readonly PriorityBand LocalPort = PriorityBand.At(Tables.IngressClassification, "local port", Priorities.Medium, SharedBy.InPort);

        /// <summary>The lowest flow of the tables that other apps fill (1, 3, 6, 9, 72): what they do not take goes on.</summary>
        public static readonly IReadOnlyList<PriorityBand> PassThrough =
        [
            PriorityBand.At(Tables.EgressPortSecurity, "pass-through", Priorities.Default),
            PriorityBand.At(Tables.EgressConntrack, "pass-through", Priorities.Default),
            PriorityBand.At(Tables.EgressSecurityGroup, "pass-through", Priorities.Default),
            PriorityBand.At(Tables.ServicesClassification, "pass-through", Priorities.Default),
            PriorityBand.At(Tables.IngressConntrack, "pass-through", Priorities.Default),
        ];

        public static readonly PriorityBand ArpToResponder = PriorityBand.At(Tables.ServicesClassification, "ARP to the responder", Priorities.Medium);

        /// <summary>Table 10 when nobody answers: on to the L2 lookup.</summary>
        public static readonly PriorityBand ArpUnanswered = PriorityBand.At(Tables.Arp, "unanswered", Priorities.Default);

        public static readonly PriorityBand ArpResponder = PriorityBand.At(Tables.Arp, "port addresses", Priorities.Medium, SharedBy.ArpTarget);

        public static readonly PriorityBand Unicast = PriorityBand.At(Tables.L2Lookup, "port MAC", Priorities.Medium, SharedBy.EthDst);

        public static readonly PriorityBand Flood = PriorityBand.At(Tables.L2Lookup, "broadcast and multicast", Priorities.High);

        public static readonly PriorityBand LocalDelivery = PriorityBand.At(Tables.Egress, "local port", Priorities.Medium, SharedBy.DestinationPort);

        public static readonly PriorityBand Dispatch = PriorityBand.At(Tables.IngressDispatch, "local port", Priorities.Medium);

        public static IReadOnlyList<PriorityBand> All { get; } =
            [LocalPort, .. PassThrough, ArpToResponder, ArpUnanswered, ArpResponder, Unicast, Flood, LocalDelivery, Dispatch];
    }

    public override AppContract Contract { get; } = new(AppId, Bands.All);

    public override AppEvents Handles => AppEvents.Port | AppEvents.Network;

    public override void Start() => Set(FlowOwner.Pipeline,
    [
        Goto(Tables.EgressPortSecurity, Tables.EgressConntrack),
        Goto(Tables.EgressConntrack, Tables.EgressSecurityGroup),
        Goto(Tables.EgressSecurityGroup, Tables.ServicesClassification),
        new DesiredFlow(Tables.ServicesClassification, Bands.ArpToResponder.Priority, Match.Of(MatchField.EthType(Dragonflow.Model.EtherTypes.Arp)),
            InstructionSet.Of(Instruction.Goto(Tables.Arp))),
        Goto(Tables.ServicesClassification, Tables.L2Lookup),
        Goto(Tables.Arp, Tables.L2Lookup),
        Goto(Tables.IngressConntrack, Tables.IngressDispatch),
    ]);

    public override void OnPortChanged(string portId)
    {
        if (PortView.Resolve(Context, portId) is not { } p)
        {
            Clear(FlowOwner.Port(portId));
            return;
        }
        var flows = new List<DesiredFlow>();
        foreach (var ip in p.Ipv4) flows.Add(ArpResponder(p, ip));
        var lookup = new DesiredFlow(Tables.L2Lookup, Bands.Unicast.Priority,
            Match.Of(MatchField.Metadata(p.NetworkKey), MatchField.EthDst(p.Mac)),
            InstructionSet.Apply([new SetField(MatchField.Register(Registers.DestinationPort, p.Key))], Tables.Egress));
        if (Context.Bridge.LocalPorts.TryGetValue(portId, out var ofport))
        {
            flows.Add(new DesiredFlow(Tables.IngressClassification, Bands.LocalPort.Priority, Match.Of(MatchField.InPort(ofport)),
                InstructionSet.Apply(
                [
                    new SetField(MatchField.Register(Registers.SourcePort, p.Key)),
                    new SetField(MatchField.Metadata(p.NetworkKey)),
                ], Tables.EgressPortSecurity)));
            flows.Add(lookup);
            flows.Add(new DesiredFlow(Tables.Egress, Bands.LocalDelivery.Priority, Match.Of(MatchField.Register(Registers.DestinationPort, p.Key)),
                InstructionSet.Of(Instruction.Goto(Tables.IngressConntrack))));
            flows.Add(new DesiredFlow(Tables.IngressDispatch, Bands.Dispatch.Priority, Match.Of(MatchField.Register(Registers.DestinationPort, p.Key)),
                InstructionSet.Apply([new Output(ofport)])));
        }
        else if (Context.RemoteChassisOf(p.Port) is not null)
        {
            flows.Add(lookup);
        }
        Set(FlowOwner.Port(portId), flows);
    }

    public override void OnNetworkChanged(string networkId)
    {
        var owner = FlowOwner.Network(networkId);
        if (!Context.Nb.Networks.TryGetValue(networkId, out var network) || PortView.NetworkKeys(network) is not { } keys)
        {
            Clear(owner);
            return;
        }
        var actions = new List<OfAction>();
        foreach (var local in Context.LocalPortsOf(networkId))
        {
            actions.Add(new SetField(MatchField.Register(Registers.DestinationPort, local.Key)));
            actions.Add(Resubmit.ToTable(Tables.Egress));
        }
        if (actions.Count == 0)
        {
            Clear(owner); // no VM here sends on this network
            return;
        }
        if (Provider.PhysicalSegment.IsPhysical(network))
        {
            // Once to the physical network (the provider app's uplink in table 64), which reaches every chassis.
            actions.Add(new SetField(MatchField.Register(Registers.DestinationPort, Registers.PhysicalUplink)));
            actions.Add(Resubmit.ToTable(Tables.Egress));
        }
        else
        {
            foreach (var chassis in Context.Nb.ChassisOfNetwork(networkId).Order(StringComparer.Ordinal))
            {
                if (chassis != Context.Host && TunnelRoute.To(Context, chassis, keys.Segment) is { } route) actions.AddRange(route);
            }
        }
        Set(owner,
        [
            new DesiredFlow(Tables.L2Lookup, Bands.Flood.Priority,
                Match.Of(MatchField.Metadata(keys.Key), MatchField.EthDst(MulticastBit, MulticastBit)),
                InstructionSet.Apply(actions)),
        ]);
    }

    /// <summary>The pass-through of table <paramref name="from"/> (its band is at <see cref="Priorities.Default"/>).</summary>
    private static DesiredFlow Goto(byte from, byte to) =>
        new(from, Priorities.Default, Match.All, InstructionSet.Of(Instruction.Goto(to)));

    /// <summary>Answers "who has IP" on the port's network with the port's MAC, back out of the asking port.</summary>
    private static DesiredFlow ArpResponder(PortView p, System.Net.IPAddress ip) =>
        new(Tables.Arp, Bands.ArpResponder.Priority,
            Match.Of([MatchField.Metadata(p.NetworkKey), .. ArpReply.RequestFor(ip)]),
            ArpReply.From(p.Mac, ip));
}
