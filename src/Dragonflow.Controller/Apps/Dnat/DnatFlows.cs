using System.Net;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.Dnat;

/// <summary>
/// The dnat flows: traffic from the external bridge enters table 15
/// (INGRESS_NAT), where ARP for a floating IP is answered and IP to it is rewritten to the VM
/// and handed to the egress table 64 like any delivery; the VM's own traffic that table 20
/// does not route inside the tenant goes to table 30 (EGRESS_NAT), leaves with the floating
/// IP as source towards the external gateway's MAC, out of the patch port to the external
/// bridge. A 1:1 NAT needs no connection state, so no conntrack here.
/// </summary>
public static class DnatFlows
{
    private const ushort Ipv4 = Dragonflow.Model.EtherTypes.Ipv4;
    private const ushort Arp = Dragonflow.Model.EtherTypes.Arp;

    /// <summary>The priority bands of dnat, table by table.</summary>
    public static class Bands
    {
        public static readonly PriorityBand FromExternalBridge =
            PriorityBand.At(Tables.IngressClassification, "from the external bridge", Priorities.Medium, SharedBy.InPort);

        public static readonly PriorityBand FloatingIp = PriorityBand.At(Tables.IngressNat, "floating IP: ARP and DNAT", Priorities.Medium);

        public static readonly PriorityBand GatewayArp = PriorityBand.At(Tables.IngressNat, "external gateway's ARP replies", Priorities.High);

        /// <summary>
        /// Table 20: below every band of the router's own flows, so traffic between tenant
        /// subnets stays inside and only the rest is NATed.
        /// </summary>
        public static readonly PriorityBand ToEgressNat = PriorityBand.At(Tables.L3Lookup, "unrouted traffic of a floating IP's VM", Priorities.Low - 10);

        public static readonly PriorityBand Snat = PriorityBand.At(Tables.EgressNat, "SNAT to the floating IP", Priorities.Medium);

        public static IReadOnlyList<PriorityBand> All { get; } = [FromExternalBridge, FloatingIp, GatewayArp, ToEgressNat, Snat];
    }

    /// <summary>Table 0: everything from the external bridge goes to INGRESS_NAT.</summary>
    public static DesiredFlow FromExternalBridge(uint patchPort) =>
        new(Tables.IngressClassification, Bands.FromExternalBridge.Priority, Match.Of(MatchField.InPort(patchPort)),
            InstructionSet.Of(Instruction.Goto(Tables.IngressNat)));

    /// <summary>Table 15: "who has FIP" is answered with the floating IP's MAC, back out of the patch port.</summary>
    public static DesiredFlow ArpResponder(FloatingIpView f) =>
        new(Tables.IngressNat, Bands.FloatingIp.Priority,
            Match.Of(ArpReply.RequestFor(f.Address)),
            ArpReply.From(f.Mac, f.Address));

    /// <summary>
    /// Table 15: IP to the floating address becomes IP to the VM, as if the router had routed
    /// it: from the router interface's MAC, TTL decremented, then delivered by table 64.
    /// </summary>
    public static DesiredFlow Ingress(FloatingIpView f) =>
        new(Tables.IngressNat, Bands.FloatingIp.Priority,
            Match.Of(MatchField.EthType(Ipv4), MatchField.Ip(OxmFields.Ipv4Dst, f.Address)),
            InstructionSet.Apply(
            [
                new SetField(MatchField.EthSrc(f.RouterMac)),
                new SetField(MatchField.EthDst(f.Vm.Mac)),
                new SetField(MatchField.Ip(OxmFields.Ipv4Dst, f.FixedIp)),
                new DecNwTtl(),
                new SetField(MatchField.Register(Registers.DestinationPort, f.Vm.Key)),
                new SetField(MatchField.Metadata(f.Vm.NetworkKey)),
            ], Tables.Egress));

    /// <summary>Table 20: the VM's traffic that no router flow took goes to EGRESS_NAT.</summary>
    public static DesiredFlow ToEgressNat(FloatingIpView f) =>
        new(Tables.L3Lookup, Bands.ToEgressNat.Priority,
            Match.Of(MatchField.Metadata(f.Vm.NetworkKey), MatchField.EthType(Ipv4), MatchField.Ip(OxmFields.Ipv4Src, f.FixedIp)),
            InstructionSet.Of(Instruction.Goto(Tables.EgressNat)));

    /// <summary>Table 30: source becomes the floating IP, next hop the external gateway, out to the external bridge.</summary>
    public static DesiredFlow Egress(FloatingIpView f, MacAddress gatewayMac, uint patchPort) =>
        new(Tables.EgressNat, Bands.Snat.Priority,
            Match.Of(MatchField.Metadata(f.Vm.NetworkKey), MatchField.EthType(Ipv4), MatchField.Ip(OxmFields.Ipv4Src, f.FixedIp)),
            InstructionSet.Apply(
            [
                new SetField(MatchField.EthSrc(f.Mac)),
                new SetField(MatchField.EthDst(gatewayMac)),
                new SetField(MatchField.Ip(OxmFields.Ipv4Src, f.Address)),
                new DecNwTtl(),
                new Output(patchPort),
            ]));

    /// <summary>Table 15: ARP replies from the external gateway go to the controller, which learns its MAC.</summary>
    public static DesiredFlow LearnGateway(IPAddress gateway) =>
        new(Tables.IngressNat, Bands.GatewayArp.Priority,
            Match.Of(MatchField.EthType(Arp), MatchField.Exact(OxmFields.ArpOp, 2), MatchField.Ip(OxmFields.ArpSpa, gateway)),
            InstructionSet.Apply([Output.ToController()]));
}
