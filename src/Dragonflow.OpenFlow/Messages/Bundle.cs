using System.Buffers.Binary;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Messages;

/// <summary>Bundle control types (OpenFlow 1.4 §7.3.9 enum ofp14_bundle_ctrl_type, carried by the ONF extension on 1.3).</summary>
public enum BundleControlType : ushort
{
    OpenRequest = 0,
    OpenReply = 1,
    CloseRequest = 2,
    CloseReply = 3,
    CommitRequest = 4,
    CommitReply = 5,
    DiscardRequest = 6,
    DiscardReply = 7,
}

[Flags]
public enum BundleFlags : ushort
{
    None = 0,
    Atomic = 1,
    Ordered = 2,
}

/// <summary>
/// Bundles on OpenFlow 1.3: the ONF extension (experimenter 0x4F4E4600) that Open vSwitch accepts
/// — OFPT_EXPERIMENTER with exp_type ONFT_BUNDLE_CONTROL (2300) or ONFT_BUNDLE_ADD_MESSAGE (2301)
/// and the OpenFlow 1.4 bundle bodies (§7.3.9). A batch of flow changes in one bundle commits
/// atomically: all or none.
/// </summary>
public static class Bundle
{
    public const uint OnfExperimenter = 0x4F4E4600;
    public const uint ControlExpType = 2300;
    public const uint AddMessageExpType = 2301;

    /// <summary>ofp_header + experimenter + exp_type.</summary>
    public const int ExperimenterHeaderSize = 16;

    internal static void WriteExperimenterHeader(Span<byte> dst, int length, uint xid, uint expType)
    {
        OfpHeader.Write(dst, OfpType.Experimenter, length, xid);
        BinaryPrimitives.WriteUInt32BigEndian(dst[8..], OnfExperimenter);
        BinaryPrimitives.WriteUInt32BigEndian(dst[12..], expType);
    }

    /// <summary>Whether <paramref name="msg"/> is an ONF bundle message, and which.</summary>
    public static bool TryGetExpType(ReadOnlySpan<byte> msg, out uint expType)
    {
        expType = 0;
        if (msg.Length < ExperimenterHeaderSize || (OfpType)msg[1] != OfpType.Experimenter) return false;
        if (BinaryPrimitives.ReadUInt32BigEndian(msg[8..]) != OnfExperimenter) return false;
        expType = BinaryPrimitives.ReadUInt32BigEndian(msg[12..]);
        return true;
    }
}

/// <summary>ONFT_BUNDLE_CONTROL (ofp14_bundle_ctrl_msg after the experimenter header: 24 bytes, no properties).</summary>
public readonly record struct BundleControl(uint BundleId, BundleControlType Type, BundleFlags Flags) : IOpenFlowMessage
{
    public const int Length = Bundle.ExperimenterHeaderSize + 8;
    public int Size => Length;

    public void Write(Span<byte> dst, uint xid)
    {
        Bundle.WriteExperimenterHeader(dst, Length, xid, Bundle.ControlExpType);
        BinaryPrimitives.WriteUInt32BigEndian(dst[16..], BundleId);
        BinaryPrimitives.WriteUInt16BigEndian(dst[20..], (ushort)Type);
        BinaryPrimitives.WriteUInt16BigEndian(dst[22..], (ushort)Flags);
    }

    public static BundleControl Read(ReadOnlySpan<byte> msg)
    {
        ProtocolThrow.Need(msg, Length, "bundle_ctrl");
        return new BundleControl(BinaryPrimitives.ReadUInt32BigEndian(msg[16..]), (BundleControlType)BinaryPrimitives.ReadUInt16BigEndian(msg[20..]), (BundleFlags)BinaryPrimitives.ReadUInt16BigEndian(msg[22..]));
    }
}

/// <summary>
/// ONFT_BUNDLE_ADD_MESSAGE (ofp14_bundle_add_msg: bundle id, pad, flags, then the whole inner
/// message). The inner message carries the same xid as the outer one, as Open vSwitch requires.
/// </summary>
public readonly record struct BundleAdd<T>(uint BundleId, BundleFlags Flags, T Message) : IOpenFlowMessage where T : IOpenFlowMessage
{
    public const int FixedSize = Bundle.ExperimenterHeaderSize + 8;
    public int Size => FixedSize + Message.Size;

    public void Write(Span<byte> dst, uint xid)
    {
        Bundle.WriteExperimenterHeader(dst, Size, xid, Bundle.AddMessageExpType);
        BinaryPrimitives.WriteUInt32BigEndian(dst[16..], BundleId);
        dst[20] = dst[21] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(dst[22..], (ushort)Flags);
        Message.Write(dst[FixedSize..], xid);
    }
}

public static class BundleAddMessage
{
    /// <summary>Splits a bundle-add message into its id, flags and inner message.</summary>
    public static (uint BundleId, BundleFlags Flags, ReadOnlyMemory<byte> Inner) Read(ReadOnlyMemory<byte> msg)
    {
        var s = msg.Span;
        ProtocolThrow.Need(s, BundleAdd<HeaderOnly>.FixedSize + OfpHeader.Size, "bundle_add");
        var inner = OfpHeader.Read(s[BundleAdd<HeaderOnly>.FixedSize..]);
        ProtocolThrow.Need(s, BundleAdd<HeaderOnly>.FixedSize + inner.Length, "bundle_add inner message");
        return (BinaryPrimitives.ReadUInt32BigEndian(s[16..]), (BundleFlags)BinaryPrimitives.ReadUInt16BigEndian(s[22..]), msg.Slice(BundleAdd<HeaderOnly>.FixedSize, inner.Length));
    }
}
