using System.Buffers;
using Dragonflow.OpenFlow.Bench;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Messages;

namespace Dragonflow.OpenFlow.Tests.Robustness;

/// <summary>The hot paths allocate nothing: encoding a FLOW_MOD and decoding a PACKET_IN.</summary>
public class ZeroAllocationTests
{
    [Fact]
    public void EncodingFlowModsAllocatesNothing()
    {
        var flows = SampleFlows.Generate(400, TestTables.Sample);
        var buffer = new byte[64 * 1024];
        var writer = new ArrayBufferWriter<byte>(1024 * 1024);
        Encode(flows, buffer, writer); // warm up (JIT)
        writer.ResetWrittenCount();

        var before = GC.GetAllocatedBytesForCurrentThread();
        Encode(flows, buffer, writer);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(writer.WrittenCount > 400 * 48);
    }

    private static void Encode(List<FlowMod> flows, byte[] buffer, ArrayBufferWriter<byte> writer)
    {
        for (var i = 0; i < flows.Count; i++)
        {
            var f = flows[i];
            f.Write(buffer, (uint)i);
            f.WriteTo(writer, (uint)i);
            var modified = f with { Command = FlowModCommand.DeleteStrict, Cookie = (ulong)i };
            modified.Write(buffer, (uint)i);
        }
    }

    [Fact]
    public void DecodingPacketInsAllocatesNothing()
    {
        var frame = new byte[98];
        frame[12] = 0x08;
        var msg = PacketIn.Build(9, Match.Of(MatchField.InPort(3), MatchField.Metadata(5), MatchField.Register(6, 3), MatchField.Register(7, 4), MatchField.TunnelId(100)), frame, cookie: 0x77);
        ulong sum = Decode(msg);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
            sum += Decode(msg);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1001UL * (3 + 5 + 3 + 4 + 98 + 0x77 + 100), sum);
    }

    private static ulong Decode(byte[] msg)
    {
        var p = PacketIn.Read(msg);
        p.TryGetUInt64(OxmFields.TunnelId, out var tun);
        return p.InPort + p.Metadata + p.Register(6) + p.Register(7) + (ulong)p.Data.Length + p.Cookie + tun;
    }
}
