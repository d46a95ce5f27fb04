using System.Net;
using Dragonflow.Controller.Apps.L3;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.Snat;

/// <summary>
/// The snat flows. On every chassis, table 20 sends what no router flow took from a router's
/// subnet to the router's gateway chassis: through the BFD tunnels, the first live gateway
/// chosen by the switch (<see cref="BundleOutput"/>, active_backup), or to table 31 on the first
/// gateway itself. On a gateway chassis, table 0 takes such packets from the tunnels (a
/// router interface's MAC as destination), table 31 SNATs them (conntrack, the router's
/// zone) and sends them out of the patch to the external bridge; table 15 answers ARP for the
/// router's gateway address and hands replies to conntrack, which turns their destination
/// back into the VM's, and table 32 routes them to the VM.
/// </summary>
public static class SnatFlows
{
    private const ushort Ipv4 = Dragonflow.Model.EtherTypes.Ipv4;
    private const ushort Arp = Dragonflow.Model.EtherTypes.Arp;

    /// <summary>The priority bands of snat, table by table.</summary>
    public static class Bands
    {
        /// <summary>Above dnat's catch-all on the same patch, below the provider app's physical networks.</summary>
        public static readonly PriorityBand FromExternalBridge =
            PriorityBand.At(Tables.IngressClassification, "from the external bridge to a router's gateway", Priorities.Medium + 10);

        /// <summary>Above tunneling's bands: a router's MAC is no port's, the matches never meet.</summary>
        public static readonly PriorityBand FromTunnel = PriorityBand.At(Tables.IngressClassification, "from a tunnel to a router, on its gateway", Priorities.VeryHigh);

        public static readonly PriorityBand GatewayAddress = PriorityBand.At(Tables.IngressNat, "router gateway address: ARP and replies", Priorities.Medium + Priorities.Low);

        /// <summary>Above dnat's learner: these replies are to this chassis' own MAC.</summary>
        public static readonly PriorityBand NextHopArp = PriorityBand.At(Tables.IngressNat, "next hop's ARP replies to this chassis", Priorities.High + 10);

        /// <summary>Table 20: below dnat's floating IP band, so a VM with a floating IP leaves by it.</summary>
        public static readonly PriorityBand ToGateway = PriorityBand.At(Tables.L3Lookup, "unrouted traffic of a router with a gateway", Priorities.Low - 20);

        public static readonly PriorityBand Snat = PriorityBand.At(Tables.Snat, "SNAT to the router's gateway address", Priorities.Medium);

        public static readonly PriorityBand UnSnat = PriorityBand.At(Tables.UnSnat, "reply to a VM", Priorities.Medium);

        public static IReadOnlyList<PriorityBand> All { get; } = [FromExternalBridge, FromTunnel, GatewayAddress, NextHopArp, ToGateway, Snat, UnSnat];
    }

    /// <summary>Table 0: from the external bridge, what is for the router's gateway port (its MAC, or ARP for its address) goes to table 15.</summary>
    public static IEnumerable<DesiredFlow> FromExternalBridge(SnatRouter r, uint patchPort) =>
    [
        new(Tables.IngressClassification, Bands.FromExternalBridge.Priority,
            Match.Of(MatchField.InPort(patchPort), MatchField.EthDst(r.GatewayMac)), InstructionSet.Of(Instruction.Goto(Tables.IngressNat))),
        new(Tables.IngressClassification, Bands.FromExternalBridge.Priority,
            Match.Of([MatchField.InPort(patchPort), .. ArpReply.RequestFor(r.GatewayIp)]), InstructionSet.Of(Instruction.Goto(Tables.IngressNat))),
    ];

    /// <summary>Table 0: ARP replies to this chassis' own MAC (its probes for the next hop) go to table 15.</summary>
    public static DesiredFlow ArpRepliesToChassis(MacAddress chassisMac, uint patchPort) =>
        new(Tables.IngressClassification, Bands.FromExternalBridge.Priority,
            Match.Of(MatchField.InPort(patchPort), MatchField.EthType(Arp), MatchField.Exact(OxmFields.ArpOp, 2), MatchField.Exact(OxmFields.ArpTha, chassisMac.Value)),
            InstructionSet.Of(Instruction.Goto(Tables.IngressNat)));

    private static MatchField SubnetSource(L3Interface i) => MatchField.Ip(OxmFields.Ipv4Src, i.Subnet, i.PrefixLength);

    /// <summary>Table 20 on the first gateway: SNAT here.</summary>
    public static DesiredFlow SnatHere(L3Interface i) =>
        new(Tables.L3Lookup, Bands.ToGateway.Priority,
            Match.Of(MatchField.Metadata(i.NetworkKey), MatchField.EthType(Ipv4), SubnetSource(i)),
            InstructionSet.Of(Instruction.Goto(Tables.Snat)));

    /// <summary>Table 20 elsewhere: to the first live gateway of <paramref name="tunnels"/> (in the schedule's order), the packet as the VM sent it.</summary>
    public static DesiredFlow ToGateway(L3Interface i, ulong segment, IReadOnlyList<ushort> tunnels) =>
        new(Tables.L3Lookup, Bands.ToGateway.Priority,
            Match.Of(MatchField.Metadata(i.NetworkKey), MatchField.EthType(Ipv4), SubnetSource(i)),
            InstructionSet.Apply([new SetField(MatchField.TunnelId(segment)), new BundleOutput { Members = tunnels }]));

    /// <summary>Table 0 on a gateway: from a tunnel, the network's key and a router interface's MAC: SNAT.</summary>
    public static DesiredFlow FromTunnel(uint tunnel, L3Interface i, ulong segment) =>
        new(Tables.IngressClassification, Bands.FromTunnel.Priority,
            Match.Of(MatchField.InPort(tunnel), MatchField.TunnelId(segment), MatchField.EthDst(i.Mac), MatchField.EthType(Ipv4)),
            InstructionSet.Apply([new SetField(MatchField.Metadata(i.NetworkKey))], Tables.Snat));

    /// <summary>Table 31: routed out of the router's gateway port to the next hop, SNATed unless SNAT is off.</summary>
    public static DesiredFlow Snat(SnatRouter r, L3Interface i, MacAddress nextHopMac, uint patchPort)
    {
        var actions = new List<OfAction>
        {
            new SetField(MatchField.EthSrc(r.GatewayMac)),
            new SetField(MatchField.EthDst(nextHopMac)),
            new DecNwTtl(),
        };
        if (r.Snat)
        {
            actions.Add(new Ct
            {
                Flags = CtFlags.Commit,
                Zone = r.Zone,
                Actions = [new Nat { Flags = NatFlags.Source, AddressMin = r.GatewayIp, AddressMax = r.GatewayIp }],
            });
        }
        actions.Add(new Output(patchPort));
        return new(Tables.Snat, Bands.Snat.Priority,
            Match.Of(MatchField.Metadata(i.NetworkKey), MatchField.EthType(Ipv4), SubnetSource(i)),
            InstructionSet.Apply(actions));
    }

    /// <summary>
    /// Table 15: "who has the gateway address" is answered with the router's MAC, but from this
    /// chassis' own Ethernet source, so the external switches learn the router's MAC only from
    /// the traffic of the gateway that carries it (every gateway of the router answers).
    /// </summary>
    public static DesiredFlow GatewayArp(SnatRouter r, MacAddress chassisMac) =>
        new(Tables.IngressNat, Bands.GatewayAddress.Priority,
            Match.Of(ArpReply.RequestFor(r.GatewayIp)),
            InstructionSet.Apply(
            [
                new RegMove(Subfield.Whole(OxmFields.EthSrc), Subfield.Whole(OxmFields.EthDst)),
                new SetField(MatchField.EthSrc(chassisMac)),
                new SetField(MatchField.Exact(OxmFields.ArpOp, 2)),
                new RegMove(Subfield.Whole(OxmFields.ArpSha), Subfield.Whole(OxmFields.ArpTha)),
                new RegMove(Subfield.Whole(OxmFields.ArpSpa), Subfield.Whole(OxmFields.ArpTpa)),
                new SetField(MatchField.Exact(OxmFields.ArpSha, r.GatewayMac.Value)),
                new SetField(MatchField.Ip(OxmFields.ArpSpa, r.GatewayIp)),
                Output.InPort,
            ]));

    /// <summary>Table 15: a reply to the gateway address goes through the router's zone, which undoes the SNAT, on to table 32.</summary>
    public static DesiredFlow Reply(SnatRouter r) =>
        new(Tables.IngressNat, Bands.GatewayAddress.Priority,
            Match.Of(MatchField.EthType(Ipv4), MatchField.Ip(OxmFields.Ipv4Dst, r.GatewayIp)),
            InstructionSet.Apply(
            [
                new SetField(MatchField.Metadata(r.Tag)),
                new Ct { Zone = r.Zone, RecircTable = Tables.UnSnat, Actions = [new Nat()] },
            ]));

    /// <summary>Table 15, SNAT off: traffic to the router's subnet through its gateway port goes straight to table 32.</summary>
    public static DesiredFlow Inbound(SnatRouter r, L3Interface i) =>
        new(Tables.IngressNat, Bands.GatewayAddress.Priority,
            Match.Of(MatchField.EthDst(r.GatewayMac), MatchField.EthType(Ipv4), MatchField.Ip(OxmFields.Ipv4Dst, i.Subnet, i.PrefixLength)),
            InstructionSet.Apply([new SetField(MatchField.Metadata(r.Tag))], Tables.UnSnat));

    /// <summary>Table 32: routed to the VM as the router would: from the interface's MAC, TTL decremented, delivered by table 64.</summary>
    public static DesiredFlow ToVm(SnatRouter r, L3Interface i, PortView vm, IPAddress address) =>
        new(Tables.UnSnat, Bands.UnSnat.Priority,
            Match.Of(MatchField.Metadata(r.Tag), MatchField.EthType(Ipv4), MatchField.Ip(OxmFields.Ipv4Dst, address)),
            InstructionSet.Apply(
            [
                new SetField(MatchField.EthSrc(i.Mac)),
                new SetField(MatchField.EthDst(vm.Mac)),
                new DecNwTtl(),
                new SetField(MatchField.Register(Registers.DestinationPort, vm.Key)),
                new SetField(MatchField.Metadata(i.NetworkKey)),
            ], Tables.Egress));

    /// <summary>Table 15: the next hop's ARP replies to this chassis' own MAC go to the controller.</summary>
    public static DesiredFlow LearnNextHop(IPAddress nextHop, MacAddress chassisMac) =>
        new(Tables.IngressNat, Bands.NextHopArp.Priority,
            Match.Of(MatchField.EthType(Arp), MatchField.Exact(OxmFields.ArpOp, 2), MatchField.Ip(OxmFields.ArpSpa, nextHop),
                MatchField.Exact(OxmFields.ArpTha, chassisMac.Value)),
            InstructionSet.Apply([Output.ToController()]));
}
