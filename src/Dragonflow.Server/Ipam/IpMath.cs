using System.Net;
using System.Net.Sockets;

namespace Dragonflow.Server.Ipam;

/// <summary>Addresses as 128-bit numbers, so that IPv4 and IPv6 ranges share one arithmetic.</summary>
static class IpMath
{
    public static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        UInt128 n = 0;
        for (var i = 0; i < written; i++)
            n = (n << 8) | bytes[i];
        return n;
    }

    public static IPAddress ToAddress(UInt128 n, AddressFamily family)
    {
        var length = family == AddressFamily.InterNetwork ? 4 : 16;
        Span<byte> bytes = stackalloc byte[length];
        for (var i = length - 1; i >= 0; i--, n >>= 8)
            bytes[i] = (byte)n;
        return new IPAddress(bytes);
    }

    public static int Bits(AddressFamily family) => family == AddressFamily.InterNetwork ? 32 : 128;

    /// <summary>The network address of <paramref name="address"/>/<paramref name="prefix"/>: its host bits cleared.</summary>
    public static IPAddress Network(IPAddress address, int prefix)
    {
        var hostBits = Bits(address.AddressFamily) - prefix;
        var n = ToNumber(address);
        n = hostBits >= 128 ? UInt128.Zero : (n >> hostBits) << hostBits;
        return ToAddress(n, address.AddressFamily);
    }
}
