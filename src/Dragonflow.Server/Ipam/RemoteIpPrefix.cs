using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dragonflow.Server.Http;

namespace Dragonflow.Server.Ipam;

/// <summary>
/// A security group rule's remote_ip_prefix as Neutron (netaddr.IPNetwork) reads it: an address
/// and a prefix length, a bare address being a host (/32, /128). Host bits are kept as given —
/// Neutron stores and returns "10.0.0.34/24" so — and cleared only in <see cref="Normalized"/>
/// (Neutron's normalized_cidr), which is also what the data plane matches.
/// </summary>
readonly record struct RemoteIpPrefix(IPAddress Address, int Length)
{
    /// <summary>The rule ethertype the prefix belongs to.</summary>
    public string Ethertype => Address.AddressFamily == AddressFamily.InterNetwork ? "IPv4" : "IPv6";

    /// <summary>The network the prefix covers, e.g. 10.0.0.0/24 for 10.0.0.34/24.</summary>
    public string Normalized => $"{IpMath.Network(Address, Length)}/{Length}";

    /// <summary>As stored and shown: the address in canonical form with its length.</summary>
    public override string ToString() => $"{Address}/{Length}";

    public static RemoteIpPrefix? TryParse(string? text)
    {
        if (text is null)
            return null;
        var slash = text.IndexOf('/');
        if (!Input.TryParseIp(slash < 0 ? text : text[..slash], out var address))
            return null;
        var bits = IpMath.Bits(address.AddressFamily);
        if (slash < 0)
            return new RemoteIpPrefix(address, bits);
        return int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length <= bits
            ? new RemoteIpPrefix(address, length)
            : null;
    }
}
