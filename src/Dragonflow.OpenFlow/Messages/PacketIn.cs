using System.Buffers.Binary;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Messages;

/// <summary>
/// OFPT_PACKET_IN, OpenFlow 1.3.5 §7.4.1 (struct ofp_packet_in: 24 fixed bytes, ofp_match,
/// 2 pad bytes, the frame). A read-only view over the received message: decoding allocates
/// nothing, and the view must not outlive the receive buffer (copy what you keep).
/// </summary>
public readonly ref struct PacketIn
{
    public const int FixedSize = 24;

    private readonly ReadOnlySpan<byte> _msg;
    private readonly ReadOnlySpan<byte> _matchTlvs;
    private readonly ReadOnlySpan<byte> _data;

    private PacketIn(ReadOnlySpan<byte> msg, ReadOnlySpan<byte> matchTlvs, ReadOnlySpan<byte> data)
    {
        _msg = msg;
        _matchTlvs = matchTlvs;
        _data = data;
    }

    /// <summary>Parses a whole PACKET_IN (header included); throws <see cref="OpenFlowProtocolException"/> when malformed.</summary>
    public static PacketIn Read(ReadOnlySpan<byte> msg)
    {
        if (OfpHeader.Read(msg).Type != OfpType.PacketIn) ProtocolThrow.Malformed("not a PACKET_IN");
        msg = OfpHeader.Frame(msg, FixedSize + 8, "packet_in");
        var matchSize = Match.ReadOfpMatch(msg[FixedSize..], out var tlvs);
        var dataStart = FixedSize + matchSize + 2;
        ProtocolThrow.Need(msg, dataStart, "packet_in data");
        // Validate the TLVs once so that lookups later cannot throw.
        var r = new OxmReader(tlvs);
        while (r.MoveNext(out _, out _, out _)) { }
        return new PacketIn(msg, tlvs, msg[dataStart..]);
    }

    public uint Xid => BinaryPrimitives.ReadUInt32BigEndian(_msg[4..]);
    public uint BufferId => BinaryPrimitives.ReadUInt32BigEndian(_msg[8..]);
    public ushort TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_msg[12..]);
    public PacketInReason Reason => (PacketInReason)_msg[14];
    public byte TableId => _msg[15];
    public ulong Cookie => BinaryPrimitives.ReadUInt64BigEndian(_msg[16..]);

    /// <summary>The pipeline fields OVS reports (in_port, metadata, registers, tunnel...).</summary>
    public ReadOnlySpan<byte> MatchTlvs => _matchTlvs;

    /// <summary>The Ethernet frame (possibly truncated to max_len).</summary>
    public ReadOnlySpan<byte> Data => _data;

    public uint InPort => TryGetUInt64(OxmFields.InPort, out var v) ? (uint)v : 0;
    public ulong Metadata => TryGetUInt64(OxmFields.Metadata, out var v) ? v : 0;
    public uint Register(int index) => TryGetUInt64(OxmFields.Register(index), out var v) ? (uint)v : 0;

    /// <summary>Reads a field of up to 8 bytes from the match; false when absent.</summary>
    public bool TryGetUInt64(OxmField field, out ulong value)
    {
        if (OxmReader.TryFind(_matchTlvs, field, out var raw) && raw.Length <= 8)
        {
            value = MatchField.ToUInt64(raw);
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>A heap copy of the match, for logging or keeping (allocates).</summary>
    public Match ToMatch() => Match.FromTlvs(_matchTlvs);

    /// <summary>Builds a PACKET_IN as a switch would (for tests and fake switches).</summary>
    public static byte[] Build(uint xid, Match match, ReadOnlySpan<byte> frame, PacketInReason reason = PacketInReason.Action, byte table = 0, ulong cookie = 0, uint bufferId = OfpConstants.NoBuffer)
    {
        var size = FixedSize + match.Size + 2 + frame.Length;
        var b = new byte[size];
        OfpHeader.Write(b, OfpType.PacketIn, size, xid);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), bufferId);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(12), (ushort)frame.Length);
        b[14] = (byte)reason;
        b[15] = table;
        BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(16), cookie);
        var o = FixedSize + match.Write(b.AsSpan(FixedSize));
        frame.CopyTo(b.AsSpan(o + 2));
        return b;
    }
}

/// <summary>
/// OFPT_PACKET_OUT, §7.3.7 (struct ofp_packet_out: 24 fixed bytes, actions, frame). Holds
/// pre-encoded actions and the frame; writing allocates nothing.
/// </summary>
public readonly record struct PacketOut(uint InPort, ReadOnlyMemory<byte> ActionBytes, ReadOnlyMemory<byte> Data, uint BufferId = OfpConstants.NoBuffer) : IOpenFlowMessage
{
    public const int FixedSize = 24;

    public static PacketOut Create(ReadOnlyMemory<byte> frame, IReadOnlyList<OfAction> actions, uint inPort = OfpPort.Controller)
    {
        var a = new byte[OfAction.SizeOf(actions)];
        OfAction.WriteAll(actions, a);
        return new PacketOut(inPort, a, frame);
    }

    public int Size => FixedSize + ActionBytes.Length + Data.Length;

    public void Write(Span<byte> dst, uint xid)
    {
        OfpHeader.Write(dst, OfpType.PacketOut, Size, xid);
        BinaryPrimitives.WriteUInt32BigEndian(dst[8..], BufferId);
        BinaryPrimitives.WriteUInt32BigEndian(dst[12..], InPort);
        BinaryPrimitives.WriteUInt16BigEndian(dst[16..], (ushort)ActionBytes.Length);
        dst[18..24].Clear();
        ActionBytes.Span.CopyTo(dst[FixedSize..]);
        Data.Span.CopyTo(dst[(FixedSize + ActionBytes.Length)..]);
    }

    public static PacketOut Read(ReadOnlySpan<byte> msg)
    {
        msg = OfpHeader.Frame(msg, FixedSize, "packet_out");
        var actionsLen = BinaryPrimitives.ReadUInt16BigEndian(msg[16..]);
        ProtocolThrow.Need(msg, FixedSize + actionsLen, "packet_out actions");
        return new PacketOut(
            BinaryPrimitives.ReadUInt32BigEndian(msg[12..]),
            msg.Slice(FixedSize, actionsLen).ToArray(),
            msg[(FixedSize + actionsLen)..].ToArray(),
            BinaryPrimitives.ReadUInt32BigEndian(msg[8..]));
    }

    public IReadOnlyList<OfAction> Actions => OfAction.ReadAll(ActionBytes.Span);
}
