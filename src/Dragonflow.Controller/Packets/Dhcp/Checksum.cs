namespace Dragonflow.Controller.Packets.Dhcp;

/// <summary>The Internet checksum (RFC 1071): ones' complement of the ones' complement sum of 16-bit words.</summary>
public static class Checksum
{
    public static ushort Compute(ReadOnlySpan<byte> data, uint initial = 0) => Fold(Sum(data, initial));

    public static uint Sum(ReadOnlySpan<byte> data, uint sum = 0)
    {
        var i = 0;
        for (; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        return sum;
    }

    public static ushort Fold(uint sum)
    {
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
