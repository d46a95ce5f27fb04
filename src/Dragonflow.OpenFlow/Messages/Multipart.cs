using System.Buffers.Binary;
using System.Text;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Messages;

/// <summary>Multipart message types, OpenFlow 1.3.5 §7.3.5 (enum ofp_multipart_type).</summary>
public enum MultipartType : ushort
{
    Desc = 0,
    Flow = 1,
    Aggregate = 2,
    Table = 3,
    PortStats = 4,
    Queue = 5,
    Group = 6,
    GroupDesc = 7,
    GroupFeatures = 8,
    Meter = 9,
    MeterConfig = 10,
    MeterFeatures = 11,
    TableFeatures = 12,
    PortDesc = 13,
    Experimenter = 0xffff,
}

/// <summary>The 16-byte head of OFPT_MULTIPART_REQUEST/REPLY (struct ofp_multipart_request/reply).</summary>
public static class MultipartHeader
{
    public const int Size = 16;
    public const ushort FlagMore = 1;

    public static void Write(Span<byte> dst, OfpType type, MultipartType mpType, ushort flags, int totalLength, uint xid)
    {
        OfpHeader.Write(dst, type, totalLength, xid);
        BinaryPrimitives.WriteUInt16BigEndian(dst[8..], (ushort)mpType);
        BinaryPrimitives.WriteUInt16BigEndian(dst[10..], flags);
        dst[12..16].Clear();
    }

    public static (MultipartType Type, ushort Flags, ReadOnlyMemory<byte> Body) Read(ReadOnlyMemory<byte> msg)
    {
        var span = OfpHeader.Frame(msg.Span, Size, "multipart");
        return ((MultipartType)BinaryPrimitives.ReadUInt16BigEndian(span[8..]), BinaryPrimitives.ReadUInt16BigEndian(span[10..]), msg[Size..span.Length]);
    }
}

/// <summary>A multipart request with no body (port description, table stats, desc).</summary>
public readonly record struct MultipartRequest(MultipartType Type, ushort Flags = 0) : IOpenFlowMessage
{
    public int Size => MultipartHeader.Size;
    public void Write(Span<byte> dst, uint xid) => MultipartHeader.Write(dst, OfpType.MultipartRequest, Type, Flags, MultipartHeader.Size, xid);
}

/// <summary>
/// OFPMP_FLOW request, §7.3.5.2 (struct ofp_flow_stats_request: 32 bytes + ofp_match): the flows
/// of a table (0xff = all) matching a (non-strict) match, an out_port and cookie/mask.
/// </summary>
public readonly record struct FlowStatsRequest : IOpenFlowMessage
{
    public const int FixedSize = MultipartHeader.Size + 32;
    private readonly Match? _match;

    public FlowStatsRequest()
    {
    }

    public byte TableId { get; init; } = OfpTable.All;
    public uint OutPort { get; init; } = OfpPort.Any;
    public uint OutGroup { get; init; } = OfpConstants.GroupAny;
    public ulong Cookie { get; init; }
    public ulong CookieMask { get; init; }
    public Match Match { get => _match ?? Match.All; init => _match = value; }

    public int Size => FixedSize + Match.Size;

    public void Write(Span<byte> dst, uint xid)
    {
        MultipartHeader.Write(dst, OfpType.MultipartRequest, MultipartType.Flow, 0, Size, xid);
        var b = dst[MultipartHeader.Size..];
        b[0] = TableId;
        b[1..4].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], OutPort);
        BinaryPrimitives.WriteUInt32BigEndian(b[8..], OutGroup);
        b[12..16].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(b[16..], Cookie);
        BinaryPrimitives.WriteUInt64BigEndian(b[24..], CookieMask);
        Match.Write(b[32..]);
    }

    public bool Equals(FlowStatsRequest other) =>
        TableId == other.TableId && OutPort == other.OutPort && OutGroup == other.OutGroup && Cookie == other.Cookie &&
        CookieMask == other.CookieMask && Match.Equals(other.Match);

    public override int GetHashCode() => HashCode.Combine(TableId, OutPort, Cookie, Match);

    public static FlowStatsRequest Read(ReadOnlySpan<byte> msg)
    {
        msg = OfpHeader.Frame(msg, FixedSize + 8, "flow_stats_request");
        var b = msg[MultipartHeader.Size..];
        return new FlowStatsRequest
        {
            TableId = b[0],
            OutPort = BinaryPrimitives.ReadUInt32BigEndian(b[4..]),
            OutGroup = BinaryPrimitives.ReadUInt32BigEndian(b[8..]),
            Cookie = BinaryPrimitives.ReadUInt64BigEndian(b[16..]),
            CookieMask = BinaryPrimitives.ReadUInt64BigEndian(b[24..]),
            Match = Match.Read(b[32..], out _),
        };
    }
}

/// <summary>One entry of an OFPMP_FLOW reply, §7.3.5.2 (struct ofp_flow_stats: 48 bytes + match + instructions).</summary>
public sealed record FlowStats(
    byte TableId, uint DurationSec, uint DurationNsec, ushort Priority, ushort IdleTimeout, ushort HardTimeout,
    FlowModFlags Flags, ulong Cookie, ulong PacketCount, ulong ByteCount, Match Match, InstructionSet Instructions)
{
    public const int FixedSize = 48;

    public static List<FlowStats> ReadAll(ReadOnlySpan<byte> body)
    {
        var list = new List<FlowStats>();
        while (!body.IsEmpty)
        {
            ProtocolThrow.Need(body, FixedSize + 8, "flow_stats");
            var len = BinaryPrimitives.ReadUInt16BigEndian(body);
            if (len < FixedSize + 8) ProtocolThrow.Malformed($"flow_stats length {len}");
            ProtocolThrow.Need(body, len, "flow_stats");
            var e = body[..len];
            var match = Match.Read(e[FixedSize..], out var ms);
            if (FixedSize + ms > len) ProtocolThrow.Malformed("flow_stats match overruns the entry");
            list.Add(new FlowStats(
                e[2],
                BinaryPrimitives.ReadUInt32BigEndian(e[4..]),
                BinaryPrimitives.ReadUInt32BigEndian(e[8..]),
                BinaryPrimitives.ReadUInt16BigEndian(e[12..]),
                BinaryPrimitives.ReadUInt16BigEndian(e[14..]),
                BinaryPrimitives.ReadUInt16BigEndian(e[16..]),
                (FlowModFlags)BinaryPrimitives.ReadUInt16BigEndian(e[18..]),
                BinaryPrimitives.ReadUInt64BigEndian(e[24..]),
                BinaryPrimitives.ReadUInt64BigEndian(e[32..]),
                BinaryPrimitives.ReadUInt64BigEndian(e[40..]),
                match,
                InstructionSet.Read(e[(FixedSize + ms)..])));
            body = body[len..];
        }
        return list;
    }

    public int Size => FixedSize + Match.Size + Instructions.Size;

    public void Write(Span<byte> e)
    {
        BinaryPrimitives.WriteUInt16BigEndian(e, (ushort)Size);
        e[2] = TableId;
        e[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(e[4..], DurationSec);
        BinaryPrimitives.WriteUInt32BigEndian(e[8..], DurationNsec);
        BinaryPrimitives.WriteUInt16BigEndian(e[12..], Priority);
        BinaryPrimitives.WriteUInt16BigEndian(e[14..], IdleTimeout);
        BinaryPrimitives.WriteUInt16BigEndian(e[16..], HardTimeout);
        BinaryPrimitives.WriteUInt16BigEndian(e[18..], (ushort)Flags);
        e[20..24].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(e[24..], Cookie);
        BinaryPrimitives.WriteUInt64BigEndian(e[32..], PacketCount);
        BinaryPrimitives.WriteUInt64BigEndian(e[40..], ByteCount);
        var o = FixedSize + Match.Write(e[FixedSize..]);
        Instructions.Bytes.CopyTo(e[o..]);
    }

    /// <summary>The flow as a FLOW_MOD add (to compare with what was installed).</summary>
    public FlowMod ToFlowMod() => new()
    {
        TableId = TableId, Priority = Priority, Cookie = Cookie, IdleTimeout = IdleTimeout, HardTimeout = HardTimeout,
        Flags = Flags, Match = Match, Instructions = Instructions,
    };

    /// <summary>Like a line of <c>ovs-ofctl dump-flows</c> without the counters.</summary>
    public override string ToString() => ToFlowMod().ToString();
}

/// <summary>One entry of an OFPMP_TABLE reply, §7.3.5.4 (struct ofp_table_stats, 24 bytes).</summary>
public sealed record TableStats(byte TableId, uint ActiveCount, ulong LookupCount, ulong MatchedCount)
{
    public const int Length = 24;

    public static List<TableStats> ReadAll(ReadOnlySpan<byte> body)
    {
        if (body.Length % Length != 0) ProtocolThrow.Malformed($"table stats body of {body.Length} bytes");
        var list = new List<TableStats>(body.Length / Length);
        for (; !body.IsEmpty; body = body[Length..])
            list.Add(new TableStats(body[0], BinaryPrimitives.ReadUInt32BigEndian(body[4..]), BinaryPrimitives.ReadUInt64BigEndian(body[8..]), BinaryPrimitives.ReadUInt64BigEndian(body[16..])));
        return list;
    }
}

public static class PortDescriptions
{
    public static List<PortDescription> ReadAll(ReadOnlySpan<byte> body)
    {
        if (body.Length % PortDescription.Length != 0) ProtocolThrow.Malformed($"port desc body of {body.Length} bytes");
        var list = new List<PortDescription>();
        for (; !body.IsEmpty; body = body[PortDescription.Length..])
            list.Add(PortDescription.Read(body));
        return list;
    }
}
