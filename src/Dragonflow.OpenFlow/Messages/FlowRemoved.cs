using System.Buffers.Binary;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Messages;

public enum FlowRemovedReason : byte
{
    IdleTimeout = 0,
    HardTimeout = 1,
    Delete = 2,
    GroupDelete = 3,
}

/// <summary>OFPT_FLOW_REMOVED, OpenFlow 1.3.5 §7.4.2 (struct ofp_flow_removed: 48 fixed bytes + ofp_match).</summary>
public sealed record FlowRemoved(
    ulong Cookie, ushort Priority, FlowRemovedReason Reason, byte TableId, uint DurationSec, uint DurationNsec,
    ushort IdleTimeout, ushort HardTimeout, ulong PacketCount, ulong ByteCount, Match Match)
{
    public const int FixedSize = 48;

    public static FlowRemoved Read(ReadOnlySpan<byte> msg)
    {
        msg = OfpHeader.Frame(msg, FixedSize + 8, "flow_removed");
        return new FlowRemoved(
            BinaryPrimitives.ReadUInt64BigEndian(msg[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(msg[16..]),
            (FlowRemovedReason)msg[18],
            msg[19],
            BinaryPrimitives.ReadUInt32BigEndian(msg[20..]),
            BinaryPrimitives.ReadUInt32BigEndian(msg[24..]),
            BinaryPrimitives.ReadUInt16BigEndian(msg[28..]),
            BinaryPrimitives.ReadUInt16BigEndian(msg[30..]),
            BinaryPrimitives.ReadUInt64BigEndian(msg[32..]),
            BinaryPrimitives.ReadUInt64BigEndian(msg[40..]),
            Match.Read(msg[FixedSize..], out _));
    }

    public byte[] ToBytes(uint xid = 0)
    {
        var size = FixedSize + Match.Size;
        var b = new byte[size];
        var d = b.AsSpan();
        OfpHeader.Write(d, OfpType.FlowRemoved, size, xid);
        BinaryPrimitives.WriteUInt64BigEndian(d[8..], Cookie);
        BinaryPrimitives.WriteUInt16BigEndian(d[16..], Priority);
        d[18] = (byte)Reason;
        d[19] = TableId;
        BinaryPrimitives.WriteUInt32BigEndian(d[20..], DurationSec);
        BinaryPrimitives.WriteUInt32BigEndian(d[24..], DurationNsec);
        BinaryPrimitives.WriteUInt16BigEndian(d[28..], IdleTimeout);
        BinaryPrimitives.WriteUInt16BigEndian(d[30..], HardTimeout);
        BinaryPrimitives.WriteUInt64BigEndian(d[32..], PacketCount);
        BinaryPrimitives.WriteUInt64BigEndian(d[40..], ByteCount);
        Match.Write(d[FixedSize..]);
        return b;
    }
}
