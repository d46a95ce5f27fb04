using System.Net;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;
using static Dragonflow.OpenFlow.Matching.OxmFields;

namespace Dragonflow.OpenFlow.Tests.Golden;

/// <summary>
/// Flows covering every match field and action we support, each as the object we expect and the
/// ovs-ofctl command that must produce the same bytes. By default the ovs-ofctl text is our own
/// <see cref="FlowMod.ToString"/>, which thereby is checked to be valid ovs-ofctl syntax too.
/// </summary>
public static class GoldenCases
{
    public sealed record Case(string Name, FlowMod Expected, string[] Command, string? Text = null)
    {
        public string OfctlText => Text ?? Expected.ToString();
        public override string ToString() => Name;
    }

    private static MatchField X(OxmField f, ulong v) => MatchField.Exact(f, v);
    private static MatchField M(OxmField f, ulong v, ulong m) => MatchField.Masked(f, v, m);
    private static MatchField Ip(OxmField f, string a, int? p = null) => MatchField.Ip(f, a, p);
    private static MatchField Mac(OxmField f, string mac) => MatchField.Exact(f, MacAddress.Parse(mac).Value);
    private static readonly MatchField Ipv4 = MatchField.EthType(0x0800);
    private static readonly MatchField Ipv6 = MatchField.EthType(0x86dd);
    private static readonly MatchField Arp = MatchField.EthType(0x0806);

    private static FlowMod Add(byte table, ushort prio, MatchField[] match, params Instruction[] instr) =>
        FlowMod.Add(table, prio, new Match(match), new InstructionSet(instr));

    private static FlowMod AddA(byte table, ushort prio, MatchField[] match, params OfAction[] actions) =>
        FlowMod.Add(table, prio, new Match(match), InstructionSet.Apply(actions));

    private static readonly string[] AddFlow = ["add-flow"];

    private static Case C(string name, FlowMod fm, string? text = null) => new(name, fm, AddFlow, text);

    public static IEnumerable<Case> All()
    {
        // ---- matches -----------------------------------------------------------------------
        yield return C("issue example", Add(17, 100, [X(Metadata, 5), Mac(EthDst, "fa:16:3e:00:00:01")],
            Instruction.Apply(new SetField(MatchField.Register(7, 7))), Instruction.Goto(64)),
            "table=17,priority=100,metadata=0x5,dl_dst=fa:16:3e:00:00:01 actions=set_field:0x7->reg7,goto_table:64");
        yield return C("in_port", AddA(0, 100, [MatchField.InPort(5)], new Output(6)));
        yield return C("metadata masked", AddA(0, 1, [M(Metadata, 0x500, 0xff00)], new Output(1)));
        yield return C("eth src/dst/type", AddA(0, 1, [Mac(EthSrc, "02:00:00:00:00:01"), Mac(EthDst, "02:00:00:00:00:02"), MatchField.EthType(0x0806)], new Output(1)));
        yield return C("eth_dst masked (multicast bit)", AddA(17, 50, [M(EthDst, 0x0100_0000_0000, 0x0100_0000_0000)], new Output(OfpPort.Flood)));
        yield return C("vlan_vid", AddA(0, 1, [X(VlanVid, 0x1005)], new PopVlan()));
        yield return C("vlan_vid masked", AddA(0, 1, [M(VlanVid, 0x1000, 0x1000)], new PopVlan()));
        yield return C("ipv4 src/dst", AddA(20, 100, [Ipv4, Ip(Ipv4Src, "10.0.0.1"), Ip(Ipv4Dst, "10.0.1.0", 24)], new DecNwTtl(), new Output(2)));
        yield return C("ipv4 non-cidr mask", AddA(20, 100, [Ipv4, MatchField.Masked(Ipv4Src, [10, 0, 0, 1], [255, 0, 255, 0])], new Output(2)));
        yield return C("ip_proto", AddA(9, 1, [Ipv4, MatchField.IpProto(47)], new Output(1)));
        yield return C("tcp ports", AddA(77, 100, [Ipv4, MatchField.IpProto(6), X(TcpSrc, 1234), X(TcpDst, 80)], new Output(1)));
        yield return C("tcp port masked", AddA(77, 100, [Ipv4, MatchField.IpProto(6), M(TcpDst, 0x1000, 0xf000)], new Output(1)));
        yield return C("udp ports (dhcp)", AddA(9, 100, [Ipv4, MatchField.IpProto(17), Ip(Ipv4Dst, "255.255.255.255"), X(UdpSrc, 68), X(UdpDst, 67)], Output.ToController()));
        yield return C("sctp ports", AddA(77, 100, [Ipv4, MatchField.IpProto(132), X(SctpSrc, 5000), X(SctpDst, 5001)], new Output(1)));
        yield return C("sctp port masked", AddA(77, 100, [Ipv6, MatchField.IpProto(132), M(SctpDst, 0x1000, 0xf000)], new Output(1)));
        yield return C("icmpv4", AddA(20, 1, [Ipv4, MatchField.IpProto(1), X(Icmpv4Type, 8), X(Icmpv4Code, 0)], Output.InPort));
        yield return C("ipv6", AddA(20, 1, [Ipv6, Ip(Ipv6Src, "fd00::1"), Ip(Ipv6Dst, "fd00:1::", 64)], new Output(3)));
        yield return C("icmpv6", AddA(20, 1, [Ipv6, MatchField.IpProto(58), X(Icmpv6Type, 135), X(Icmpv6Code, 0)], new Output(3)));
        yield return C("arp fields", AddA(10, 100, [Arp, X(ArpOp, 1), Ip(ArpSpa, "10.0.0.2"), Ip(ArpTpa, "10.0.0.1"), Mac(ArpSha, "02:00:00:00:00:02"), Mac(ArpTha, "00:00:00:00:00:00")], Output.InPort));
        yield return C("arp masked", AddA(10, 100, [Arp, Ip(ArpSpa, "10.0.0.0", 8), Ip(ArpTpa, "10.1.0.0", 16)], Output.InPort));
        yield return C("tunnel_id", AddA(0, 100, [MatchField.TunnelId(100), MatchField.InPort(100)], new Output(1)));
        yield return C("tunnel_id masked", AddA(0, 100, [M(TunnelId, 0x100, 0xff00)], new Output(1)));
        for (var r = 0; r < 8; r++)
            yield return C($"reg{r}", AddA(64, 100, [MatchField.Register(r, (uint)(r + 1))], new Output(1)));
        yield return C("reg masked", AddA(64, 100, [MatchField.Register(6, 0x10, 0xf0)], new Output(1)));
        yield return C("tun_src/dst", AddA(0, 100, [Ip(TunIpv4Src, "172.31.255.2"), Ip(TunIpv4Dst, "172.31.255.1")], new Output(1)));
        yield return C("tun_dst masked", AddA(0, 100, [Ip(TunIpv4Dst, "172.31.0.0", 16)], new Output(1)));
        yield return C("ct_state", AddA(72, 65534, [Ipv4, MatchField.CtState(CtStateFlags.Tracked | CtStateFlags.Established, CtStateFlags.Tracked | CtStateFlags.Established | CtStateFlags.New)], new Output(1)));
        yield return C("ct_state invalid", AddA(72, 65534, [Ipv4, MatchField.CtState(CtStateFlags.Tracked | CtStateFlags.Invalid, CtStateFlags.Tracked | CtStateFlags.Invalid)], []));
        yield return C("ct_zone", AddA(72, 100, [Ipv4, MatchField.CtState(CtStateFlags.Tracked, CtStateFlags.Tracked), MatchField.CtZone(5)], new Output(1)));
        yield return C("ct_mark", AddA(72, 100, [Ipv4, X(CtMark, 7)], new Output(1)));
        yield return C("ct_mark masked", AddA(72, 100, [Ipv4, M(CtMark, 1, 1)], new Output(1)));
        yield return C("ct_label", AddA(72, 100, [Ipv4, X(CtLabel, 0x1234)], new Output(1)));
        yield return C("ct_label masked", AddA(72, 100, [Ipv4, MatchField.Masked(CtLabel, Enumerable.Range(0, 16).Select(i => (byte)(i == 0 ? 0x80 : 0)).ToArray(), Enumerable.Range(0, 16).Select(i => (byte)(i == 0 ? 0x80 : 0)).ToArray())], new Output(1)));
        yield return C("conj_id", AddA(6, 100, [Ipv4, MatchField.ConjId(7)], new Resubmit(Resubmit.InPort, 72)));
        yield return C("many fields at once", AddA(25, 300, [MatchField.InPort(3), X(Metadata, 9), Ipv4, Mac(EthSrc, "fa:16:3e:00:00:03"), Ip(Ipv4Dst, "10.0.0.5"), MatchField.IpProto(6), X(TcpDst, 22), MatchField.Register(6, 3), MatchField.Register(7, 4), MatchField.TunnelId(100), MatchField.CtState(CtStateFlags.Tracked, CtStateFlags.Tracked), MatchField.CtZone(9)], new Output(1)));

        // ---- actions ----------------------------------------------------------------------
        yield return C("output reserved ports", AddA(0, 1, [], new Output(OfpPort.Local), new Output(OfpPort.Normal), new Output(OfpPort.All), new Output(OfpPort.InPort)));
        yield return C("controller via output", AddA(11, 100, [MatchField.InPort(1)], Output.ToController(128)));
        yield return C("controller whole packet", AddA(11, 100, [MatchField.InPort(1)], Output.ToController()));
        yield return C("set_field reg/metadata", AddA(0, 100, [MatchField.InPort(1)], new SetField(MatchField.Register(6, 3)), new SetField(MatchField.Metadata(5)), new Resubmit(Resubmit.InPort, 3)));
        yield return C("set_field eth", AddA(20, 300, [Ipv4, Ip(Ipv4Dst, "10.0.1.5")], new SetField(Mac(EthSrc, "fa:16:3e:00:00:10")), new SetField(Mac(EthDst, "fa:16:3e:00:00:11")), new DecNwTtl(), new SetField(MatchField.Register(7, 9))));
        yield return C("set_field ip", AddA(30, 100, [Ipv4], new SetField(Ip(Ipv4Src, "172.24.4.10")), new SetField(Ip(Ipv4Dst, "10.0.0.5")), new Output(1)));
        yield return C("set_field ipv6", AddA(30, 100, [Ipv6], new SetField(Ip(Ipv6Dst, "fd00::5")), new Output(1)));
        yield return C("set_field ports", AddA(30, 100, [Ipv4, MatchField.IpProto(6)], new SetField(X(TcpDst, 8080)), new SetField(X(TcpSrc, 1024)), new Output(1)));
        yield return C("set_field udp", AddA(30, 100, [Ipv4, MatchField.IpProto(17)], new SetField(X(UdpDst, 53)), new Output(1)));
        yield return C("arp responder", AddA(10, 100, [X(Metadata, 5), Arp, X(ArpOp, 1), Ip(ArpTpa, "10.0.0.1")],
            new RegMove(Subfield.Whole(EthSrc), Subfield.Whole(EthDst)),
            new SetField(Mac(EthSrc, "fa:16:3e:00:00:01")),
            new SetField(X(ArpOp, 2)),
            new RegMove(Subfield.Whole(ArpSha), Subfield.Whole(ArpTha)),
            new RegMove(Subfield.Whole(ArpSpa), Subfield.Whole(ArpTpa)),
            new SetField(Mac(ArpSha, "fa:16:3e:00:00:01")),
            new SetField(Ip(ArpSpa, "10.0.0.1")),
            Output.InPort));
        yield return C("set_field tunnel", AddA(64, 100, [MatchField.Register(7, 5)], new SetField(MatchField.TunnelId(100)), new SetField(Ip(TunIpv4Dst, "172.31.255.2")), new Output(100)));
        yield return C("set_field ct_mark/label via ct exec", AddA(72, 100, [Ipv4], new Ct { Flags = CtFlags.Commit, Zone = 3, Actions = [new SetField(X(CtMark, 1)), new SetField(X(CtLabel, 2))] }));
        yield return C("push/pop vlan", AddA(0, 1, [MatchField.InPort(1)], new PushVlan(), new SetField(X(VlanVid, 0x1000 | 10)), new Output(2)));
        yield return C("push vlan 802.1ad", AddA(0, 1, [MatchField.InPort(1)], new PushVlan(0x88a8), new Output(2)));
        yield return C("group", AddA(0, 1, [MatchField.InPort(1)], new Group(7)));
        yield return C("resubmit table", AddA(17, 100, [X(Metadata, 5), MatchField.EthDst(MacAddress.Broadcast)],
            new SetField(MatchField.Register(7, 1)), Resubmit.ToTable(64), new SetField(MatchField.Register(7, 2)), Resubmit.ToTable(64)));
        yield return C("resubmit port and table", AddA(0, 1, [], new Resubmit(5, 10)));
        yield return C("resubmit port only", AddA(0, 1, [], new Resubmit(5)));
        yield return C("move partial", AddA(0, 1, [], new RegMove(new Subfield(Reg6, 0, 16), new Subfield(Reg7, 16, 16)), new RegMove(Subfield.Whole(Reg1), Subfield.Whole(TunnelId) with { Bits = 32 })));
        yield return C("move metadata bits", AddA(0, 1, [], new RegMove(new Subfield(Metadata, 0, 32), Subfield.Whole(Reg5))));
        yield return C("ct zone imm", AddA(3, 100, [Ipv4], new Ct { Zone = 5, RecircTable = 6 }));
        yield return C("ct commit zone reg", AddA(6, 100, [Ipv4], new Ct { Flags = CtFlags.Commit, ZoneSource = new Subfield(Reg6, 0, 16) }, Resubmit.ToTable(9)));
        yield return C("ct commit force", AddA(6, 100, [Ipv4], new Ct { Flags = CtFlags.Commit | CtFlags.Force, Zone = 1 }));
        yield return C("ct zone from metadata", AddA(3, 100, [Ipv4], new Ct { ZoneSource = new Subfield(Metadata, 0, 16), RecircTable = 6 }));
        yield return C("bundle active_backup", AddA(20, 30, [Ipv4], new SetField(MatchField.TunnelId(0x65)), new BundleOutput { Members = [4, 3] }));
        yield return C("bundle one member", AddA(20, 30, [Ipv4], new BundleOutput { Members = [7] }));
        yield return C("ct nat", AddA(3, 100, [Ipv4], new Ct { Zone = 1, RecircTable = 6, Actions = [new Nat()] }));
        yield return C("ct snat range", AddA(30, 100, [Ipv4], new Ct { Flags = CtFlags.Commit, Zone = 1, Actions = [new Nat { Flags = NatFlags.Source, AddressMin = IPAddress.Parse("172.24.4.10"), AddressMax = IPAddress.Parse("172.24.4.20"), PortMin = 1000, PortMax = 2000 }] }));
        yield return C("ct dnat single", AddA(15, 100, [Ipv4], new Ct { Flags = CtFlags.Commit, Zone = 1, RecircTable = 20, Actions = [new Nat { Flags = NatFlags.Destination, AddressMin = IPAddress.Parse("10.0.0.5") }] }));
        yield return C("ct snat persistent random", AddA(30, 100, [Ipv4], new Ct { Flags = CtFlags.Commit, Zone = 1, Actions = [new Nat { Flags = NatFlags.Source | NatFlags.Persistent | NatFlags.ProtoRandom, AddressMin = IPAddress.Parse("172.24.4.10") }] }));
        yield return C("ct snat ipv6", AddA(30, 100, [Ipv6], new Ct { Flags = CtFlags.Commit, Zone = 1, Actions = [new Nat { Flags = NatFlags.Source, AddressMin = IPAddress.Parse("fd00::1"), AddressMax = IPAddress.Parse("fd00::9") }] }));
        yield return C("ct alg ftp", AddA(6, 100, [Ipv4, MatchField.IpProto(6), X(TcpDst, 21)], new Ct { Flags = CtFlags.Commit, Zone = 1, Alg = 21 }));
        yield return C("ct_clear", Add(72, 100, [MatchField.Register(7, 3)], Instruction.Apply(new CtClear()), Instruction.Goto(77)));
        yield return C("sg allow: commit in the network's zone", Add(77, 100, [Ipv4, MatchField.ConjId(7)],
            Instruction.Apply(new Ct { Flags = CtFlags.Commit, ZoneSource = new Subfield(Metadata, 0, 16) }), Instruction.Goto(78)));
        yield return C("conjunction", AddA(6, 100, [Ipv4, Ip(Ipv4Src, "10.0.0.0", 24)], new Conjunction(7, 1, 2)));
        yield return C("conjunction two", AddA(6, 100, [Ipv4, MatchField.IpProto(6), X(TcpDst, 22)], new Conjunction(7, 2, 2), new Conjunction(8, 2, 3)));
        yield return C("controller reason", AddA(20, 100, [Ipv4], new Controller { Reason = PacketInReason.NoMatch }));
        yield return C("controller max_len id", AddA(20, 100, [Ipv4], new Controller { MaxLen = 128, ControllerId = 3 }));
        yield return C("controller2 userdata", AddA(11, 100, [Ipv4], new Controller { Userdata = [1, 2, 3, 4, 5] }));
        yield return C("controller2 all props", AddA(11, 100, [Ipv4], new Controller { Userdata = [0xde, 0xad], Reason = PacketInReason.NoMatch, MaxLen = 200, ControllerId = 2, Pause = true }));
        yield return C("drop", AddA(0, 0, [], []));

        // ---- instructions ---------------------------------------------------------------------
        yield return C("write_metadata", Add(0, 100, [MatchField.InPort(1)], new WriteMetadata(5), Instruction.Goto(3)));
        yield return C("write_metadata masked", Add(0, 100, [MatchField.InPort(1)], new WriteMetadata(0x500, 0xff00), Instruction.Goto(3)));
        yield return C("write/clear actions", Add(0, 100, [MatchField.InPort(1)], Instruction.Clear, Instruction.Write(new Output(2))));
        yield return C("apply + write + goto", Add(0, 100, [MatchField.InPort(1)], Instruction.Apply(new SetField(MatchField.Register(6, 1))), Instruction.Write(new Output(2)), Instruction.Goto(3)));

        // ---- flow_mod fields --------------------------------------------------------------------
        yield return C("cookie timeouts flags", FlowMod.Add(20, 300, Match.Of(Ipv4, Ip(Ipv4Dst, "10.0.0.9")), InstructionSet.Apply([new Output(1)]), cookie: 0xabc0000000000001) with
        {
            IdleTimeout = 30, HardTimeout = 300, Flags = FlowModFlags.SendFlowRemoved | FlowModFlags.CheckOverlap | FlowModFlags.ResetCounts | FlowModFlags.NoPacketCounts | FlowModFlags.NoByteCounts,
        });

        // ---- other commands ---------------------------------------------------------------------
        yield return new Case("del-flows all", FlowMod.Delete(), ["del-flows"], "");
        yield return new Case("del-flows cookie/mask", FlowMod.Delete(cookie: 0x5, cookieMask: 0xff), ["del-flows"]);
        yield return new Case("del-flows table match out_port", FlowMod.Delete(Match.Of(MatchField.Register(7, 3)), table: 17) with { OutPort = 5 }, ["del-flows"]);
        yield return new Case("del-flows strict", new FlowMod { Command = FlowModCommand.DeleteStrict, TableId = 17, Priority = 100, Match = Match.Of(X(Metadata, 5), Mac(EthDst, "fa:16:3e:00:00:01")) }, ["--strict", "del-flows"]);
        yield return new Case("mod-flows", new FlowMod { Command = FlowModCommand.Modify, TableId = 17, Priority = 0, Match = Match.Of(X(Metadata, 5)), Instructions = InstructionSet.Apply([new Output(9)]) }, ["mod-flows"]);
        yield return new Case("mod-flows strict", new FlowMod { Command = FlowModCommand.ModifyStrict, TableId = 17, Priority = 100, Match = Match.Of(X(Metadata, 5)), Instructions = InstructionSet.Apply([new Output(9)]) }, ["--strict", "mod-flows"]);
        yield return new Case("mod-flows cookie", new FlowMod { Command = FlowModCommand.Modify, Cookie = 0x10, CookieMask = 0xf0, Priority = 0, Instructions = InstructionSet.Apply([new Output(9)]) }, ["mod-flows"]);
    }
}
