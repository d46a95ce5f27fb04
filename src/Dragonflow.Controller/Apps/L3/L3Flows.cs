using System.Net;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.L3;

/// <summary>The flows both L3 apps build (tables L2_LOOKUP, L3_LOOKUP and L3_PROACTIVE_LOOKUP).</summary>
public static class L3Flows
{
    /// <summary>The priority bands both L3 apps use; each variant adds the band of its hops.</summary>
    public static class Bands
    {
        public static readonly PriorityBand RouterMac = PriorityBand.At(Tables.L2Lookup, "router interface MAC", Priorities.Medium, SharedBy.EthDst);

        /// <summary>Extra routes, longest prefix first: priority = lowest + prefix length (IPv4, 0..32).</summary>
        public static readonly PriorityBand ExtraRoute = new(Tables.L3Lookup, "extra route", Priorities.Low, Priorities.Low + 32);

        public static readonly PriorityBand Subnet = PriorityBand.At(Tables.L3Lookup, "router subnet", Priorities.Medium);

        /// <summary>Above the subnets: traffic to the router's own addresses is never routed on.</summary>
        public static readonly PriorityBand RouterAddress = PriorityBand.At(Tables.L3Lookup, "router address", Priorities.Medium + 10);

        public static readonly PriorityBand EchoReply = PriorityBand.At(Tables.L3Lookup, "router echo reply", Priorities.High);

        public static IReadOnlyList<PriorityBand> Router { get; } = [RouterMac, ExtraRoute, Subnet, RouterAddress, EchoReply];
    }

    private const ushort Ipv4 = Dragonflow.Model.EtherTypes.Ipv4;

    /// <summary>An IPv4 destination match: exact for /32, else the (host-bits-cleared) prefix.</summary>
    public static MatchField Destination(IPAddress address, int prefixLength) =>
        prefixLength >= 32
            ? MatchField.Ip(OxmFields.Ipv4Dst, address)
            : MatchField.Ip(OxmFields.Ipv4Dst, new IPAddress(L3Interface.BigEndian(L3Interface.Bits(address) & L3Interface.Mask(prefixLength))), prefixLength);

    /// <summary>Table 17: frames to the router interface's MAC go to the L3 lookup.</summary>
    public static DesiredFlow ToRouter(L3Interface i) =>
        new(Tables.L2Lookup, Bands.RouterMac.Priority, Match.Of(MatchField.Metadata(i.NetworkKey), MatchField.EthDst(i.Mac)),
            InstructionSet.Of(Instruction.Goto(Tables.L3Lookup)));

    /// <summary>
    /// Table 20: an ICMP echo request from network <paramref name="from"/> to the address of
    /// interface <paramref name="target"/> is turned into the echo reply and sent back out of
    /// the port it came in: MACs and IPs swapped, icmp_type 0 (OVS fixes the checksums).
    /// </summary>
    public static DesiredFlow EchoReply(L3Interface from, L3Interface target) =>
        new(Tables.L3Lookup, Bands.EchoReply.Priority,
            Match.Of(MatchField.Metadata(from.NetworkKey), MatchField.EthType(Ipv4), MatchField.IpProto(1),
                MatchField.Exact(OxmFields.Icmpv4Type, 8), MatchField.Ip(OxmFields.Ipv4Dst, target.Ip)),
            InstructionSet.Apply(
            [
                new RegMove(Subfield.Whole(OxmFields.EthSrc), Subfield.Whole(OxmFields.EthDst)),
                new SetField(MatchField.EthSrc(from.Mac)),
                new RegMove(Subfield.Whole(OxmFields.Ipv4Src), Subfield.Whole(OxmFields.Ipv4Dst)),
                new SetField(MatchField.Ip(OxmFields.Ipv4Src, target.Ip)),
                new SetField(MatchField.Exact(OxmFields.Icmpv4Type, 0)),
                Output.InPort,
            ]));

    /// <summary>Table 20: other traffic to a router address ends here (nothing listens on it).</summary>
    public static DesiredFlow DropToRouter(L3Interface from, L3Interface target) =>
        new(Tables.L3Lookup, Bands.RouterAddress.Priority,
            Match.Of(MatchField.Metadata(from.NetworkKey), MatchField.EthType(Ipv4), MatchField.Ip(OxmFields.Ipv4Dst, target.Ip)),
            InstructionSet.Drop);

    /// <summary>Table 20: traffic from network <paramref name="from"/> to the subnet of <paramref name="to"/>.</summary>
    public static DesiredFlow SubnetLookup(L3Interface from, L3Interface to, InstructionSet then) =>
        new(Tables.L3Lookup, Bands.Subnet.Priority,
            Match.Of(MatchField.Metadata(from.NetworkKey), MatchField.EthType(Ipv4), Destination(to.Ip, to.PrefixLength)),
            then);

    /// <summary>
    /// The routed hop: from network <paramref name="fromNetworkKey"/> to <paramref name="destination"/>
    /// (a VM address or an extra route's prefix) via interface <paramref name="via"/> to the port
    /// <paramref name="next"/> (the VM itself or the route's next hop): MACs rewritten, TTL
    /// decremented, reg7 and metadata set to the destination, on to the egress table 64 (local
    /// delivery or the tunnel).
    /// </summary>
    public static DesiredFlow Hop(PriorityBand band, ushort priority, ulong fromNetworkKey, IPAddress destination, int prefixLength,
        L3Interface via, PortView next, ushort idleTimeout = 0) =>
        new(band.Table, priority,
            Match.Of(MatchField.Metadata(fromNetworkKey), MatchField.EthType(Ipv4), Destination(destination, prefixLength)),
            InstructionSet.Apply(
            [
                new SetField(MatchField.EthSrc(via.Mac)),
                new SetField(MatchField.EthDst(next.Mac)),
                new DecNwTtl(),
                new SetField(MatchField.Register(Registers.DestinationPort, next.Key)),
                new SetField(MatchField.Metadata(next.NetworkKey)),
            ], Tables.Egress),
            idleTimeout);
}
