using System.Buffers.Binary;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Messages;

/// <summary>
/// OFPT_HELLO with one OFPHET_VERSIONBITMAP element, OpenFlow 1.3.5 §7.5.1 (16 bytes).
/// We speak only OpenFlow 1.3, so the bitmap has bit 4 set.
/// </summary>
public readonly record struct Hello : IOpenFlowMessage
{
    public const int Length = 16;
    public const ushort ElementVersionBitmap = 1;
    public int Size => Length;

    public void Write(Span<byte> dst, uint xid)
    {
        OfpHeader.Write(dst, OfpType.Hello, Length, xid);
        BinaryPrimitives.WriteUInt16BigEndian(dst[8..], ElementVersionBitmap);
        BinaryPrimitives.WriteUInt16BigEndian(dst[10..], 8);
        BinaryPrimitives.WriteUInt32BigEndian(dst[12..], 1u << OfpHeader.Version13);
    }

    /// <summary>
    /// Whether the peer's HELLO allows OpenFlow 1.3: by its version bitmap if it sent one,
    /// otherwise by its header version (§7.5.1: the lower of both versions is used).
    /// </summary>
    public static bool SupportsVersion13(ReadOnlySpan<byte> msg)
    {
        var h = OfpHeader.Read(msg);
        var elements = OfpHeader.Frame(msg, OfpHeader.Size, "hello")[OfpHeader.Size..];
        while (elements.Length >= 4)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(elements);
            var len = BinaryPrimitives.ReadUInt16BigEndian(elements[2..]);
            if (len < 4 || len > elements.Length) ProtocolThrow.Malformed($"hello element length {len}");
            if (type == ElementVersionBitmap)
            {
                var bitmaps = elements[4..len];
                return bitmaps.Length >= 4 && (BinaryPrimitives.ReadUInt32BigEndian(bitmaps) & (1u << OfpHeader.Version13)) != 0;
            }
            elements = elements[Math.Min(Pad.To8(len), elements.Length)..];
        }
        return h.Version >= OfpHeader.Version13;
    }
}

/// <summary>A message that is only a header: FEATURES_REQUEST, BARRIER_REQUEST, GET_CONFIG_REQUEST...</summary>
public readonly record struct HeaderOnly(OfpType Type) : IOpenFlowMessage
{
    public int Size => OfpHeader.Size;
    public void Write(Span<byte> dst, uint xid) => OfpHeader.Write(dst, Type, OfpHeader.Size, xid);

    public static HeaderOnly FeaturesRequest => new(OfpType.FeaturesRequest);
    public static HeaderOnly BarrierRequest => new(OfpType.BarrierRequest);
    public static HeaderOnly BarrierReply => new(OfpType.BarrierReply);
    public static HeaderOnly GetConfigRequest => new(OfpType.GetConfigRequest);
}

/// <summary>OFPT_ECHO_REQUEST / OFPT_ECHO_REPLY with arbitrary data, §7.5.2-3.</summary>
public readonly record struct Echo(OfpType Type, ReadOnlyMemory<byte> Data) : IOpenFlowMessage
{
    public int Size => OfpHeader.Size + Data.Length;

    public void Write(Span<byte> dst, uint xid)
    {
        OfpHeader.Write(dst, Type, Size, xid);
        Data.Span.CopyTo(dst[OfpHeader.Size..]);
    }
}

/// <summary>OFPT_SET_CONFIG / OFPT_GET_CONFIG_REPLY, §7.3.2 (struct ofp_switch_config, 12 bytes).</summary>
public readonly record struct SwitchConfig(ushort Flags, ushort MissSendLen) : IOpenFlowMessage
{
    public const int Length = 12;
    public int Size => Length;

    public void Write(Span<byte> dst, uint xid)
    {
        OfpHeader.Write(dst, OfpType.SetConfig, Length, xid);
        BinaryPrimitives.WriteUInt16BigEndian(dst[8..], Flags);
        BinaryPrimitives.WriteUInt16BigEndian(dst[10..], MissSendLen);
    }

    public static SwitchConfig Read(ReadOnlySpan<byte> msg)
    {
        ProtocolThrow.Need(msg, Length, "switch_config");
        return new SwitchConfig(BinaryPrimitives.ReadUInt16BigEndian(msg[8..]), BinaryPrimitives.ReadUInt16BigEndian(msg[10..]));
    }
}

/// <summary>OFPT_FEATURES_REPLY, §7.3.1 (struct ofp_switch_features, 32 bytes).</summary>
public readonly record struct SwitchFeatures(ulong DatapathId, uint Buffers, byte Tables, byte AuxiliaryId, uint Capabilities) : IOpenFlowMessage
{
    public const int Length = 32;
    public int Size => Length;

    public static SwitchFeatures Read(ReadOnlySpan<byte> msg)
    {
        ProtocolThrow.Need(msg, Length, "switch_features");
        return new SwitchFeatures(
            BinaryPrimitives.ReadUInt64BigEndian(msg[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(msg[16..]),
            msg[20],
            msg[21],
            BinaryPrimitives.ReadUInt32BigEndian(msg[24..]));
    }

    public void Write(Span<byte> dst, uint xid)
    {
        OfpHeader.Write(dst, OfpType.FeaturesReply, Length, xid);
        BinaryPrimitives.WriteUInt64BigEndian(dst[8..], DatapathId);
        BinaryPrimitives.WriteUInt32BigEndian(dst[16..], Buffers);
        dst[20] = Tables;
        dst[21] = AuxiliaryId;
        dst[22] = dst[23] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(dst[24..], Capabilities);
        BinaryPrimitives.WriteUInt32BigEndian(dst[28..], 0);
    }
}

/// <summary>A message already encoded elsewhere (the xid is patched in).</summary>
public readonly record struct RawMessage(ReadOnlyMemory<byte> Bytes) : IOpenFlowMessage
{
    public int Size => Bytes.Length;

    public void Write(Span<byte> dst, uint xid)
    {
        Bytes.Span.CopyTo(dst);
        BinaryPrimitives.WriteUInt32BigEndian(dst[4..], xid);
    }
}
