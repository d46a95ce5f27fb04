using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps;

/// <summary>
/// L2 switching (DESIGN.md §6): classification of local ports in table 0, the ARP responder
/// in table 10 for every known IPv4 address of a network, the L2 lookup in table 17 (unicast
/// by MAC; broadcast/multicast fanned out to the local ports and once to every other chassis
/// holding ports of the network — so the flow grows with local ports and chassis, never with
/// the network's size), local egress 64 → 72 → 78 → output. Tables 1, 3 and 6 (port
/// security, security groups) pass through until those apps exist.
///
/// Owners: "pipeline" (chassis-wide flows), the port id (its flows), "lswitch:ID" (the
/// network's broadcast flow).
/// </summary>
public sealed class L2App(ChassisContext context) : ControllerApp(context)
{
    public static readonly AppId AppId = new(1, "l2");

    private static readonly MacAddress MulticastBit = new(0x0100_0000_0000UL);

    public override AppId Id => AppId;

    public override IReadOnlySet<byte> Tables { get; } = new HashSet<byte>
    {
        Pipeline.Tables.IngressClassification, Pipeline.Tables.EgressPortSecurity, Pipeline.Tables.EgressConntrack,
        Pipeline.Tables.EgressSecurityGroup, Pipeline.Tables.ServicesClassification, Pipeline.Tables.Arp,
        Pipeline.Tables.L2Lookup, Pipeline.Tables.Egress, Pipeline.Tables.IngressConntrack, Pipeline.Tables.IngressDispatch,
    };

    public override AppEvents Handles => AppEvents.Port | AppEvents.Network;

    public override void Start() => Set("pipeline",
    [
        Goto(Pipeline.Tables.EgressPortSecurity, Pipeline.Tables.EgressConntrack),
        Goto(Pipeline.Tables.EgressConntrack, Pipeline.Tables.EgressSecurityGroup),
        Goto(Pipeline.Tables.EgressSecurityGroup, Pipeline.Tables.ServicesClassification),
        new DesiredFlow(Pipeline.Tables.ServicesClassification, Priorities.Medium, Match.Of(MatchField.EthType(Dragonflow.Model.EtherTypes.Arp)),
            InstructionSet.Of(Instruction.Goto(Pipeline.Tables.Arp))),
        Goto(Pipeline.Tables.ServicesClassification, Pipeline.Tables.L2Lookup),
        Goto(Pipeline.Tables.Arp, Pipeline.Tables.L2Lookup),
        Goto(Pipeline.Tables.IngressConntrack, Pipeline.Tables.IngressDispatch),
    ]);

    public override void OnPortChanged(string portId)
    {
        if (PortView.Resolve(Context, portId) is not { } p)
        {
            Clear(portId);
            return;
        }
        var flows = new List<DesiredFlow>();
        foreach (var ip in p.Ipv4) flows.Add(ArpResponder(p, ip));
        var lookup = new DesiredFlow(Pipeline.Tables.L2Lookup, Priorities.Medium,
            Match.Of(MatchField.Metadata(p.NetworkKey), MatchField.EthDst(p.Mac)),
            InstructionSet.Apply([new SetField(MatchField.Register(Registers.DestinationPort, p.Key))], Pipeline.Tables.Egress));
        if (Context.Bridge.LocalPorts.TryGetValue(portId, out var ofport))
        {
            flows.Add(new DesiredFlow(Pipeline.Tables.IngressClassification, Priorities.Medium, Match.Of(MatchField.InPort(ofport)),
                InstructionSet.Apply(
                [
                    new SetField(MatchField.Register(Registers.SourcePort, p.Key)),
                    new SetField(MatchField.Metadata(p.NetworkKey)),
                ], Pipeline.Tables.EgressPortSecurity)));
            flows.Add(lookup);
            flows.Add(new DesiredFlow(Pipeline.Tables.Egress, Priorities.Medium, Match.Of(MatchField.Register(Registers.DestinationPort, p.Key)),
                InstructionSet.Of(Instruction.Goto(Pipeline.Tables.IngressConntrack))));
            flows.Add(new DesiredFlow(Pipeline.Tables.IngressDispatch, Priorities.Medium, Match.Of(MatchField.Register(Registers.DestinationPort, p.Key)),
                InstructionSet.Apply([new Output(ofport)])));
        }
        else if (Context.RemoteChassisOf(p.Port) is not null)
        {
            flows.Add(lookup);
        }
        Set(portId, flows);
    }

    public override void OnNetworkChanged(string networkId)
    {
        var owner = "lswitch:" + networkId;
        if (!Context.Nb.Networks.TryGetValue(networkId, out var network) || PortView.NetworkKeys(network) is not { } keys)
        {
            Clear(owner);
            return;
        }
        var actions = new List<OfAction>();
        foreach (var local in Context.LocalPortsOf(networkId))
        {
            actions.Add(new SetField(MatchField.Register(Registers.DestinationPort, local.Key)));
            actions.Add(Resubmit.ToTable(Pipeline.Tables.Egress));
        }
        if (actions.Count == 0)
        {
            Clear(owner); // no VM here sends on this network
            return;
        }
        foreach (var chassis in Context.Nb.ChassisOfNetwork(networkId).Order(StringComparer.Ordinal))
        {
            if (chassis != Context.Host && TunnelRoute.To(Context, chassis, keys.Segment) is { } route) actions.AddRange(route);
        }
        Set(owner,
        [
            new DesiredFlow(Pipeline.Tables.L2Lookup, Priorities.High,
                Match.Of(MatchField.Metadata(keys.Key), MatchField.EthDst(MulticastBit, MulticastBit)),
                InstructionSet.Apply(actions)),
        ]);
    }

    private static DesiredFlow Goto(byte from, byte to) =>
        new(from, Priorities.Default, Match.All, InstructionSet.Of(Instruction.Goto(to)));

    /// <summary>Answers "who has IP" on the port's network with the port's MAC, back out of the asking port.</summary>
    private static DesiredFlow ArpResponder(PortView p, System.Net.IPAddress ip) =>
        new(Pipeline.Tables.Arp, Priorities.Medium,
            Match.Of([MatchField.Metadata(p.NetworkKey), .. ArpReply.RequestFor(ip)]),
            ArpReply.From(p.Mac, ip));
}
