using System.Buffers;
using BenchmarkDotNet.Attributes;
using Dragonflow.OpenFlow.Bench;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Messages;

namespace Dragonflow.Benchmarks;

/// <summary>
/// The OpenFlow hot paths. Both must report "Allocated: -" (0 bytes): a FLOW_MOD is encoded from
/// pre-built match and instructions into the caller's buffer; a PACKET_IN is read as a view.
/// </summary>
[MemoryDiagnoser]
public class OpenFlowCodecBenchmarks
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly ArrayBufferWriter<byte> _writer = new(64 * 1024);
    private FlowMod _l2Lookup;
    private FlowMod _arpResponder;
    private byte[] _packetIn = [];

    // Classic Dragonflow's table numbers; the codec cost does not depend on them, and this
    // project references the protocol library only, not the controller that owns the pipeline.
    private static readonly SampleTables Tables = new(Classification: 0, AfterClassification: 3, Arp: 10, Lookup: 17, Egress: 64, Dispatch: 78);

    [GlobalSetup]
    public void Setup()
    {
        var flows = SampleFlows.Generate(4, Tables);
        _arpResponder = flows[1];
        _l2Lookup = flows[2];
        var frame = new byte[98];
        _packetIn = PacketIn.Build(1, Match.Of(MatchField.InPort(3), MatchField.Metadata(5), MatchField.Register(6, 3), MatchField.TunnelId(100)), frame);
    }

    [Benchmark]
    public int EncodeFlowModL2Lookup()
    {
        _l2Lookup.Write(_buffer, 1);
        return _l2Lookup.Size;
    }

    [Benchmark]
    public int EncodeFlowModArpResponder()
    {
        _arpResponder.Write(_buffer, 2);
        return _arpResponder.Size;
    }

    [Benchmark]
    public int EncodeFlowModIntoBufferWriter()
    {
        _writer.ResetWrittenCount();
        _l2Lookup.WriteTo(_writer, 3);
        return _writer.WrittenCount;
    }

    [Benchmark]
    public ulong DecodePacketIn()
    {
        var p = PacketIn.Read(_packetIn);
        return p.InPort + p.Metadata + p.Register(6) + (ulong)p.Data.Length;
    }
}
