using System.Net;
using System.Net.Sockets;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.PortSecurity;

/// <summary>
/// One source a port may send from: a MAC with an IPv4 or IPv6 prefix (a fixed IP is a full-length
/// prefix; an allowed address pair may be a CIDR, with its own MAC or the port's).
/// </summary>
public sealed record AllowedSource(MacAddress Mac, IPAddress Address, int PrefixLength)
{
    public bool IsIpv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>
    /// Parses "10.0.0.5", "10.0.0.0/24" or "2001:db8::/64" (host bits may be set; the match clears
    /// them); null when the text is no address or the prefix is out of range.
    /// </summary>
    public static AllowedSource? Parse(MacAddress mac, string text)
    {
        var parts = text.Split('/');
        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out var address)
            || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            return null;
        var full = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = full;
        if (parts.Length == 2 && (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > full))
            return null;
        return new AllowedSource(mac, address, prefix);
    }

    /// <summary>The IPv6 link-local address a host derives from <paramref name="mac"/> (RFC 4291 appendix A, modified EUI-64).</summary>
    public static IPAddress LinkLocal(MacAddress mac)
    {
        Span<byte> m = stackalloc byte[6];
        mac.Write(m);
        var b = new byte[16];
        b[0] = 0xfe;
        b[1] = 0x80;
        b[8] = (byte)(m[0] ^ 0x02); // the universal/local bit is inverted
        b[9] = m[1];
        b[10] = m[2];
        b[11] = 0xff;
        b[12] = 0xfe;
        b[13] = m[3];
        b[14] = m[4];
        b[15] = m[5];
        return new IPAddress(b);
    }
}
