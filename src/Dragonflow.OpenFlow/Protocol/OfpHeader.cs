using System.Buffers.Binary;

namespace Dragonflow.OpenFlow.Protocol;

/// <summary>The 8-byte header in front of every message, OpenFlow 1.3.5 §7.1 (struct ofp_header).</summary>
public readonly record struct OfpHeader(byte Version, OfpType Type, ushort Length, uint Xid)
{
    public const int Size = 8;
    public const byte Version13 = 0x04;

    /// <summary>Largest message a 16-bit length allows.</summary>
    public const int MaxMessageSize = 0xffff;

    public static OfpHeader Read(ReadOnlySpan<byte> src)
    {
        ProtocolThrow.Need(src, Size, "ofp_header");
        return new OfpHeader(src[0], (OfpType)src[1], BinaryPrimitives.ReadUInt16BigEndian(src[2..]), BinaryPrimitives.ReadUInt32BigEndian(src[4..]));
    }

    /// <summary>
    /// The message cut to its header's length, after checking that the length covers
    /// <paramref name="minLength"/> and that the bytes are all there.
    /// </summary>
    public static ReadOnlySpan<byte> Frame(ReadOnlySpan<byte> msg, int minLength, string what)
    {
        var h = Read(msg);
        if (h.Length < minLength)
            ProtocolThrow.Malformed($"{what}: length {h.Length} < {minLength}");
        ProtocolThrow.Need(msg, h.Length, what);
        return msg[..h.Length];
    }

    public void Write(Span<byte> dst)
    {
        dst[0] = Version;
        dst[1] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], Length);
        BinaryPrimitives.WriteUInt32BigEndian(dst[4..], Xid);
    }

    public static void Write(Span<byte> dst, OfpType type, int length, uint xid)
    {
        if ((uint)length > MaxMessageSize)
            ProtocolThrow.Malformed($"{type} of {length} bytes exceeds the 64 KiB OpenFlow limit");
        dst[0] = Version13;
        dst[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(dst[4..], xid);
    }
}
