using System.Collections.Frozen;

namespace Dragonflow.OpenFlow.Matching;

/// <summary>
/// The one table of match fields. OpenFlow basic fields: OpenFlow 1.3.5 §7.2.3.7 (class 0x8000);
/// Nicira fields: Open vSwitch nicira-ext.h / meta-flow.h (NXM_0 = 0x0000, NXM_1 = 0x0001).
/// </summary>
public static class OxmFields
{
    public const ushort OpenFlowBasic = 0x8000;
    public const ushort Nxm0 = 0x0000;
    public const ushort Nxm1 = 0x0001;
    public const ushort Experimenter = 0xffff;

    // Rank follows Open vSwitch's emission order: conj_id, in_port, Ethernet, VLAN, L3 addresses,
    // ip_proto, L4, ARP, tunnel, registers, conntrack, metadata.
    public static readonly OxmField ConjId = new("conj_id", Nxm1, 37, 4, false, FieldFormat.Decimal, 10, "NXM_NX_CONJ_ID");
    public static readonly OxmField InPort = new("in_port", OpenFlowBasic, 0, 4, false, FieldFormat.Port, 20, "OXM_OF_IN_PORT");
    public static readonly OxmField EthSrc = new("dl_src", OpenFlowBasic, 4, 6, true, FieldFormat.Mac, 30, "NXM_OF_ETH_SRC", (Nxm0, 2));
    public static readonly OxmField EthDst = new("dl_dst", OpenFlowBasic, 3, 6, true, FieldFormat.Mac, 31, "NXM_OF_ETH_DST", (Nxm0, 1));
    public static readonly OxmField EthType = new("dl_type", OpenFlowBasic, 5, 2, false, FieldFormat.Hex, 32, "NXM_OF_ETH_TYPE", (Nxm0, 3));
    public static readonly OxmField VlanVid = new("vlan_vid", OpenFlowBasic, 6, 2, true, FieldFormat.Hex, 40, "OXM_OF_VLAN_VID");
    public static readonly OxmField Ipv4Src = new("nw_src", OpenFlowBasic, 11, 4, true, FieldFormat.Ipv4, 50, "NXM_OF_IP_SRC", (Nxm0, 7));
    public static readonly OxmField Ipv4Dst = new("nw_dst", OpenFlowBasic, 12, 4, true, FieldFormat.Ipv4, 51, "NXM_OF_IP_DST", (Nxm0, 8));
    public static readonly OxmField Ipv6Src = new("ipv6_src", OpenFlowBasic, 26, 16, true, FieldFormat.Ipv6, 52, "NXM_NX_IPV6_SRC", (Nxm1, 19));
    public static readonly OxmField Ipv6Dst = new("ipv6_dst", OpenFlowBasic, 27, 16, true, FieldFormat.Ipv6, 53, "NXM_NX_IPV6_DST", (Nxm1, 20));
    public static readonly OxmField IpProto = new("nw_proto", OpenFlowBasic, 10, 1, false, FieldFormat.Decimal, 60, "NXM_OF_IP_PROTO", (Nxm0, 6));
    public static readonly OxmField TcpSrc = new("tcp_src", OpenFlowBasic, 13, 2, true, FieldFormat.Decimal, 70, "NXM_OF_TCP_SRC", (Nxm0, 9));
    public static readonly OxmField TcpDst = new("tcp_dst", OpenFlowBasic, 14, 2, true, FieldFormat.Decimal, 71, "NXM_OF_TCP_DST", (Nxm0, 10));
    public static readonly OxmField UdpSrc = new("udp_src", OpenFlowBasic, 15, 2, true, FieldFormat.Decimal, 72, "NXM_OF_UDP_SRC", (Nxm0, 11));
    public static readonly OxmField UdpDst = new("udp_dst", OpenFlowBasic, 16, 2, true, FieldFormat.Decimal, 73, "NXM_OF_UDP_DST", (Nxm0, 12));
    // SCTP shares the UDP ranks: a match never has both, and OVS puts SCTP right after UDP.
    public static readonly OxmField SctpSrc = new("sctp_src", OpenFlowBasic, 17, 2, true, FieldFormat.Decimal, 72, "OXM_OF_SCTP_SRC");
    public static readonly OxmField SctpDst = new("sctp_dst", OpenFlowBasic, 18, 2, true, FieldFormat.Decimal, 73, "OXM_OF_SCTP_DST");
    public static readonly OxmField Icmpv4Type = new("icmp_type", OpenFlowBasic, 19, 1, false, FieldFormat.Decimal, 74, "NXM_OF_ICMP_TYPE", (Nxm0, 13));
    public static readonly OxmField Icmpv4Code = new("icmp_code", OpenFlowBasic, 20, 1, false, FieldFormat.Decimal, 75, "NXM_OF_ICMP_CODE", (Nxm0, 14));
    public static readonly OxmField Icmpv6Type = new("icmpv6_type", OpenFlowBasic, 29, 1, false, FieldFormat.Decimal, 76, "NXM_NX_ICMPV6_TYPE", (Nxm1, 21));
    public static readonly OxmField Icmpv6Code = new("icmpv6_code", OpenFlowBasic, 30, 1, false, FieldFormat.Decimal, 77, "NXM_NX_ICMPV6_CODE", (Nxm1, 22));
    public static readonly OxmField ArpOp = new("arp_op", OpenFlowBasic, 21, 2, false, FieldFormat.Decimal, 80, "NXM_OF_ARP_OP", (Nxm0, 15));
    public static readonly OxmField ArpSpa = new("arp_spa", OpenFlowBasic, 22, 4, true, FieldFormat.Ipv4, 81, "NXM_OF_ARP_SPA", (Nxm0, 16));
    public static readonly OxmField ArpTpa = new("arp_tpa", OpenFlowBasic, 23, 4, true, FieldFormat.Ipv4, 82, "NXM_OF_ARP_TPA", (Nxm0, 17));
    public static readonly OxmField ArpSha = new("arp_sha", OpenFlowBasic, 24, 6, true, FieldFormat.Mac, 83, "NXM_NX_ARP_SHA", (Nxm1, 17));
    public static readonly OxmField ArpTha = new("arp_tha", OpenFlowBasic, 25, 6, true, FieldFormat.Mac, 84, "NXM_NX_ARP_THA", (Nxm1, 18));
    public static readonly OxmField TunnelId = new("tun_id", OpenFlowBasic, 38, 8, true, FieldFormat.Hex, 90, "NXM_NX_TUN_ID", (Nxm1, 16));
    public static readonly OxmField TunIpv4Src = new("tun_src", Nxm1, 31, 4, true, FieldFormat.Ipv4, 91, "NXM_NX_TUN_IPV4_SRC");
    public static readonly OxmField TunIpv4Dst = new("tun_dst", Nxm1, 32, 4, true, FieldFormat.Ipv4, 92, "NXM_NX_TUN_IPV4_DST");
    public static readonly OxmField Reg0 = Reg(0);
    public static readonly OxmField Reg1 = Reg(1);
    public static readonly OxmField Reg2 = Reg(2);
    public static readonly OxmField Reg3 = Reg(3);
    public static readonly OxmField Reg4 = Reg(4);
    public static readonly OxmField Reg5 = Reg(5);
    public static readonly OxmField Reg6 = Reg(6);
    public static readonly OxmField Reg7 = Reg(7);
    public static readonly OxmField CtState = new("ct_state", Nxm1, 105, 4, true, FieldFormat.CtState, 110, "NXM_NX_CT_STATE");
    public static readonly OxmField CtZone = new("ct_zone", Nxm1, 106, 2, false, FieldFormat.Hex, 111, "NXM_NX_CT_ZONE");
    public static readonly OxmField CtMark = new("ct_mark", Nxm1, 107, 4, true, FieldFormat.Hex, 112, "NXM_NX_CT_MARK");
    public static readonly OxmField CtLabel = new("ct_label", Nxm1, 108, 16, true, FieldFormat.Hex, 113, "NXM_NX_CT_LABEL");
    public static readonly OxmField Metadata = new("metadata", OpenFlowBasic, 2, 8, true, FieldFormat.Hex, 120, "OXM_OF_METADATA");

    private static OxmField Reg(int i) => new($"reg{i}", Nxm1, (byte)i, 4, true, FieldFormat.Hex, 100 + i, $"NXM_NX_REG{i}");

    /// <summary>All known fields.</summary>
    public static readonly IReadOnlyList<OxmField> All =
    [
        ConjId, InPort, EthSrc, EthDst, EthType, VlanVid, Ipv4Src, Ipv4Dst, Ipv6Src, Ipv6Dst, IpProto,
        TcpSrc, TcpDst, UdpSrc, UdpDst, SctpSrc, SctpDst, Icmpv4Type, Icmpv4Code, Icmpv6Type, Icmpv6Code,
        ArpOp, ArpSpa, ArpTpa, ArpSha, ArpTha, TunnelId, TunIpv4Src, TunIpv4Dst,
        Reg0, Reg1, Reg2, Reg3, Reg4, Reg5, Reg6, Reg7, CtState, CtZone, CtMark, CtLabel, Metadata,
    ];

    public static OxmField Register(int index) => index switch
    {
        0 => Reg0, 1 => Reg1, 2 => Reg2, 3 => Reg3, 4 => Reg4, 5 => Reg5, 6 => Reg6, 7 => Reg7,
        _ => throw new ArgumentOutOfRangeException(nameof(index), "reg0..reg7"),
    };

    private static readonly FrozenDictionary<uint, OxmField> s_byKey = All.Select(f => (f.Key, f))
        .Concat(All.Where(f => f.NxmKey != f.Key).Select(f => (f.NxmKey, f)))
        .ToFrozenDictionary(p => p.Item1, p => p.Item2);
    private static readonly FrozenDictionary<string, OxmField> s_byName = All
        .SelectMany(f => f.NxmName is null ? [(f.Name, f)] : new[] { (f.Name, f), (f.NxmName, f) })
        .Concat(
        [
            ("eth_src", EthSrc), ("eth_dst", EthDst), ("eth_type", EthType), ("ip_proto", IpProto),
            ("ip_src", Ipv4Src), ("ip_dst", Ipv4Dst), ("tunnel_id", TunnelId), ("tun_ipv4_src", TunIpv4Src),
            ("tun_ipv4_dst", TunIpv4Dst), ("icmpv4_type", Icmpv4Type), ("icmpv4_code", Icmpv4Code),
            ("OXM_OF_TUNNEL_ID", TunnelId), ("OXM_OF_ETH_SRC", EthSrc), ("OXM_OF_ETH_DST", EthDst),
        ])
        .ToFrozenDictionary(p => p.Item1, p => p.Item2, StringComparer.OrdinalIgnoreCase);

    /// <summary>Finds a field by the class and field number of a TLV header (OXM or NXM; mask bit and length ignored).</summary>
    public static OxmField? FromHeader(uint header) => s_byKey.GetValueOrDefault(header & 0xfffffe00);

    /// <summary>Finds a field by ovs-ofctl or NXM name.</summary>
    public static OxmField? FromName(string name) => s_byName.GetValueOrDefault(name);

    /// <summary>A stand-in for a field this table does not know, so that it still round-trips.</summary>
    internal static OxmField Unknown(uint header)
    {
        var cls = (ushort)(header >> 16);
        var field = (byte)((header >> 9) & 0x7f);
        var len = (int)(header & 0xff);
        var hasMask = (header & 0x100) != 0;
        return new OxmField($"oxm_{cls:x4}_{field}", cls, field, hasMask ? len / 2 : len, hasMask, FieldFormat.Hex, 1000);
    }
}
