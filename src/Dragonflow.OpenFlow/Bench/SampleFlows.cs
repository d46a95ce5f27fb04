using System.Net;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Messages;

namespace Dragonflow.OpenFlow.Bench;

/// <summary>
/// Realistic pipeline flows for benchmarks, in the tables the caller names (<see cref="SampleTables"/>):
/// per port, a classification (in_port -> reg6, metadata, goto), an ARP responder, an L2 lookup
/// (dl_dst -> reg7, goto) and a dispatch (reg7 -> output). The same flows as ovs-ofctl text
/// (one per line) so <c>ovs-ofctl add-flows</c> can install the identical set.
/// </summary>
public static class SampleFlows
{
    public const ulong Cookie = 0xbe0c_0000_0000_0000;

    /// <summary><paramref name="count"/> flows, four per port (the last port may get fewer).</summary>
    public static List<FlowMod> Generate(int count, SampleTables tables)
    {
        var flows = new List<FlowMod>(count);
        for (var port = 1; flows.Count < count; port++)
        {
            var net = (ulong)(port / 250 + 1);              // a network every 250 ports
            var mac = new MacAddress(0xfa163e000000UL + (ulong)port);
            var ip = new IPAddress(new byte[] { 10, (byte)(port >> 16), (byte)(port >> 8), (byte)port });
            var key = (uint)port;
            var ofport = (uint)port;

            Add(flows, count, FlowMod.Add(tables.Classification, 100, Match.Of(MatchField.InPort(ofport)),
                InstructionSet.Of(
                    Instruction.Apply(new SetField(MatchField.Register(6, key)), new SetField(MatchField.Metadata(net))),
                    Instruction.Goto(tables.AfterClassification)), Cookie));

            Add(flows, count, FlowMod.Add(tables.Arp, 100,
                Match.Of(MatchField.Metadata(net), MatchField.EthType(0x0806), MatchField.Exact(OxmFields.ArpOp, 1), MatchField.Ip(OxmFields.ArpTpa, ip)),
                InstructionSet.Apply(
                [
                    new RegMove(Subfield.Whole(OxmFields.EthSrc), Subfield.Whole(OxmFields.EthDst)),
                    new SetField(MatchField.EthSrc(mac)),
                    new SetField(MatchField.Exact(OxmFields.ArpOp, 2)),
                    new RegMove(Subfield.Whole(OxmFields.ArpSha), Subfield.Whole(OxmFields.ArpTha)),
                    new RegMove(Subfield.Whole(OxmFields.ArpSpa), Subfield.Whole(OxmFields.ArpTpa)),
                    new SetField(MatchField.Exact(OxmFields.ArpSha, mac.Value)),
                    new SetField(MatchField.Ip(OxmFields.ArpSpa, ip)),
                    Output.InPort,
                ]), Cookie));

            Add(flows, count, FlowMod.Add(tables.Lookup, 100, Match.Of(MatchField.Metadata(net), MatchField.EthDst(mac)),
                InstructionSet.Apply([new SetField(MatchField.Register(7, key))], tables.Egress), Cookie));

            Add(flows, count, FlowMod.Add(tables.Dispatch, 100, Match.Of(MatchField.Register(7, key)),
                InstructionSet.Apply([new Output(ofport)]), Cookie));
        }
        return flows;
    }

    private static void Add(List<FlowMod> flows, int count, FlowMod f)
    {
        if (flows.Count < count) flows.Add(f);
    }

    /// <summary>The flows in ovs-ofctl syntax, one per line (for <c>ovs-ofctl [--bundle] add-flows BRIDGE FILE</c>).</summary>
    public static string ToOfctlText(IEnumerable<FlowMod> flows) =>
        string.Concat(flows.Select(f => f.ToString() + "\n"));
}
