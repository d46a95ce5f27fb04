using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Tests.Golden;

/// <summary>
/// Golden bytes from an independent implementation: each flow is sent by the real ovs-ofctl to a
/// fake switch; our encoder must produce the same bytes, and our decoder the expected object.
/// </summary>
public class GoldenFlowModTests
{
    public static TheoryData<GoldenCases.Case> Cases() => new(GoldenCases.All());

    [Theory]
    [MemberData(nameof(Cases))]
    public void OvsOfctlSendsWhatWeEncode(GoldenCases.Case c)
    {
        string[] args = ["--no-names", .. c.Command, "TARGET", .. (c.OfctlText.Length > 0 ? new[] { c.OfctlText } : [])];
        var capture = OfctlCapture.Run(args);
        var flowMods = capture.Messages.Where(m => (OfpType)m[1] == OfpType.FlowMod).ToList();
        Assert.Single(flowMods);
        var wire = flowMods[0];
        var xid = OfpHeader.Read(wire).Xid;

        Bytes.AssertEqual(wire, c.Expected.ToBytes(xid), $"encoding of '{c.OfctlText}'");

        var decoded = FlowMod.Read(wire);
        Assert.Equal(c.Expected.ToString(), decoded.ToString());
        Assert.Equal(c.Expected, decoded);
        Bytes.AssertEqual(wire, decoded.ToBytes(xid), "re-encoding of the decoded flow");

        StreamReassembles(capture.Stream);
    }

    [Fact]
    public void DumpFlowsSendsOurFlowStatsRequest()
    {
        var expected = new FlowStatsRequest { TableId = 17, Cookie = 0x5, CookieMask = 0xff, OutPort = 3, Match = Matching.Match.Of(Matching.MatchField.Metadata(5)) };
        var capture = OfctlCapture.Run("--no-names", "dump-flows", "TARGET", "table=17,cookie=0x5/0xff,out_port=3,metadata=0x5");
        var req = Assert.Single(capture.Messages, m => (OfpType)m[1] == OfpType.MultipartRequest);
        Bytes.AssertEqual(req, expected.ToBytes(OfpHeader.Read(req).Xid), "flow stats request");
        Assert.Equal(expected, FlowStatsRequest.Read(req));
        StreamReassembles(capture.Stream);
    }

    [Fact]
    public void DumpAllFlowsRequest()
    {
        var capture = OfctlCapture.Run("--no-names", "dump-flows", "TARGET");
        var req = Assert.Single(capture.Messages, m => (OfpType)m[1] == OfpType.MultipartRequest);
        Bytes.AssertEqual(req, new FlowStatsRequest().ToBytes(OfpHeader.Read(req).Xid), "flow stats request");
    }

    [Fact]
    public void BundleAddFlowSendsOnfBundleMessages()
    {
        var flow = GoldenCases.All().First().Expected;
        var capture = OfctlCapture.Run("--no-names", "--bundle", "add-flow", "TARGET", flow.ToString());
        var bundle = capture.Messages.Where(m => Bundle.TryGetExpType(m, out _)).ToList();
        Assert.Equal(3, bundle.Count);

        var open = BundleControl.Read(bundle[0]);
        Assert.Equal(BundleControlType.OpenRequest, open.Type);
        Bytes.AssertEqual(bundle[0], open.ToBytes(OfpHeader.Read(bundle[0]).Xid), "bundle open");

        var (id, flags, inner) = BundleAddMessage.Read(bundle[1]);
        Assert.Equal(open.BundleId, id);
        Assert.Equal(flow, FlowMod.Read(inner.Span));
        var xid = OfpHeader.Read(bundle[1]).Xid;
        Bytes.AssertEqual(bundle[1], new BundleAdd<FlowMod>(id, flags, flow).ToBytes(xid), "bundle add");

        var commit = BundleControl.Read(bundle[2]);
        Assert.Equal(BundleControlType.CommitRequest, commit.Type);
        Assert.Equal(open.Flags, commit.Flags);
        Assert.Equal(BundleFlags.Atomic | BundleFlags.Ordered, open.Flags & (BundleFlags.Atomic | BundleFlags.Ordered));
        Bytes.AssertEqual(bundle[2], commit.ToBytes(OfpHeader.Read(bundle[2]).Xid), "bundle commit");
        StreamReassembles(capture.Stream);
    }

    private static void StreamReassembles(byte[] stream)
    {
        var whole = Fragments.Cut(stream, stream.Length);
        Assert.Equal(stream.Length, whole.Sum(f => f.Length));
        foreach (var chunk in new[] { 1, 7, 64 })
        {
            var frames = Fragments.Cut(stream, chunk);
            Assert.Equal(whole.Count, frames.Count);
            for (var i = 0; i < frames.Count; i++)
                Bytes.AssertEqual(whole[i], frames[i], $"frame {i} cut in {chunk}-byte fragments");
            foreach (var f in frames.Where(f => (OfpType)f[1] == OfpType.FlowMod))
                Bytes.AssertEqual(f, FlowMod.Read(f).ToBytes(OfpHeader.Read(f).Xid), "flow mod from fragments");
        }
    }
}

public static class Bytes
{
    /// <summary>Byte equality that reports the first differing offset and both sides in hex.</summary>
    public static void AssertEqual(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        if (expected.SequenceEqual(actual)) return;
        var i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i]) i++;
        Assert.Fail($"{what}: first difference at offset {i} (lengths {expected.Length} vs {actual.Length})\n" +
                    $"expected {Convert.ToHexStringLower(expected)}\n" +
                    $"actual   {Convert.ToHexStringLower(actual)}");
    }
}
