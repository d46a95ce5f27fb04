using System.Net;
using System.Net.Sockets;
using Dragonflow.Model;

namespace Dragonflow.Server.Ipam;

/// <summary>
/// IPv6 subnets whose hosts configure their own address (SLAAC, DHCPv6 stateless): a port's
/// address there is not taken from the pools but derived from its MAC, the modified EUI-64
/// interface identifier (RFC 4291 appendix A) under the subnet's /64 prefix.
/// </summary>
static class AutoAddress
{
    public const string Slaac = "slaac";
    public const string Dhcpv6Stateless = "dhcpv6-stateless";

    /// <summary>The only prefix length EUI-64 fills: 64 prefix bits and a 64-bit interface identifier.</summary>
    public const int PrefixLength = 64;

    /// <summary>Either mode naming SLAAC or DHCPv6 stateless makes the subnet's addresses automatic, as in Neutron.</summary>
    public static bool IsAutoAddress(LogicalSubnet subnet) =>
        subnet.IpVersion == 6 && (IsAutoMode(subnet.Ipv6AddressMode) || IsAutoMode(subnet.Ipv6RaMode));

    public static bool IsAutoMode(string? mode) => mode is Slaac or Dhcpv6Stateless;

    /// <summary>Router interfaces take their address on such a subnet as any other (the gateway), not from the MAC.</summary>
    public static bool TakesAutoAddress(string deviceOwner) => !deviceOwner.StartsWith(DeviceOwners.RouterInterface, StringComparison.Ordinal);

    /// <summary>The address of <paramref name="mac"/> on <paramref name="cidr"/>: the prefix, then the MAC with the universal/local bit flipped and ff:fe in its middle.</summary>
    public static IPAddress Of(string cidr, string mac)
    {
        var prefix = IPAddress.Parse(cidr.Split('/')[0]);
        var m = mac.Split(':', '-').Select(p => Convert.ToByte(p, 16)).ToArray();
        byte[] interfaceId = [(byte)(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]];
        var bytes = prefix.GetAddressBytes();
        interfaceId.CopyTo(bytes, 8);
        return prefix.AddressFamily == AddressFamily.InterNetworkV6 ? new IPAddress(bytes) : throw new ArgumentException("not an IPv6 prefix", nameof(cidr));
    }
}
