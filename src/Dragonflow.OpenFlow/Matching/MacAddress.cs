using System.Buffers.Binary;
using System.Globalization;

namespace Dragonflow.OpenFlow.Matching;

/// <summary>A 48-bit Ethernet address held in the low bits of a ulong (no allocation).</summary>
public readonly record struct MacAddress(ulong Value)
{
    public static readonly MacAddress Broadcast = new(0xffff_ffff_ffffUL);

    public static MacAddress Read(ReadOnlySpan<byte> src) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(src) << 32) | BinaryPrimitives.ReadUInt32BigEndian(src[2..]));

    public void Write(Span<byte> dst)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(dst[2..], (uint)Value);
    }

    public static MacAddress Parse(string text)
    {
        var parts = text.Split(':', '-');
        if (parts.Length != 6)
            throw new FormatException($"'{text}' is not a MAC address");
        ulong v = 0;
        foreach (var p in parts)
            v = (v << 8) | byte.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new MacAddress(v);
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[6];
        Write(b);
        return string.Create(CultureInfo.InvariantCulture, $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");
    }
}
