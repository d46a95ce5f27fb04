using System.Net;
using System.Net.Sockets;
using Dragonflow.Controller.Packets.Dhcp;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.Dhcp;

/// <summary>
/// What a port is told over DHCP: its fixed IPv4 address on a subnet with enable_dhcp and the
/// subnet's settings as options (RFC 2132 mask 1, router 3, DNS 6, domain 15, MTU 26, lease
/// 51, T1/T2 58/59; RFC 3442 classless routes 121). When 121 is sent the client ignores
/// option 3, so the default route via the gateway is added to 121 as well.
/// </summary>
public sealed record DhcpLease(IPAddress Address, IPAddress ServerIp, MacAddress ServerMac, IReadOnlyList<DhcpOption> Options)
{
    public const uint LeaseSeconds = 86400;
    public const string DomainName = "openstacklocal";

    /// <summary>The lease of <paramref name="port"/>, or null if none of its IPv4 subnets has DHCP enabled.</summary>
    public static DhcpLease? For(PortView port, IReadOnlyDictionary<string, LogicalSubnet> subnets)
    {
        foreach (var fixedIp in port.Port.Ips)
        {
            if (!subnets.TryGetValue(fixedIp.SubnetId, out var subnet) || !subnet.EnableDhcp) continue;
            if (!IPAddress.TryParse(fixedIp.IpAddress, out var address) || address.AddressFamily != AddressFamily.InterNetwork) continue;
            if (!TryParseCidr(subnet.Cidr, out _, out var prefix)) continue;
            var gateway = ParseV4(subnet.GatewayIp);
            var server = ParseV4(subnet.DhcpIp) ?? gateway;
            if (server is null) continue; // nothing to answer from
            return new DhcpLease(address, server, ServerMacOf(port.NetworkKey), OptionsOf(subnet, port.Network, prefix, gateway));
        }
        return null;
    }

    /// <summary>The source MAC of replies: locally administered, one per network.</summary>
    public static MacAddress ServerMacOf(ulong networkKey) => new(0x02df_0000_0000UL | (networkKey & 0xffff_ffff));

    private static List<DhcpOption> OptionsOf(LogicalSubnet subnet, LogicalSwitch network, int prefix, IPAddress? gateway)
    {
        var options = new List<DhcpOption>
        {
            DhcpOption.UInt32(DhcpOptionCode.LeaseTime, LeaseSeconds),
            DhcpOption.UInt32(DhcpOptionCode.RenewalTime, LeaseSeconds / 2),
            DhcpOption.UInt32(DhcpOptionCode.RebindingTime, LeaseSeconds * 7 / 8),
            DhcpOption.Address(DhcpOptionCode.SubnetMask, Mask(prefix)),
        };
        if (gateway is not null) options.Add(DhcpOption.Address(DhcpOptionCode.Router, gateway));
        var dns = subnet.DnsNameservers.Select(ParseV4).OfType<IPAddress>().Take(8).ToList();
        if (dns.Count > 0) options.Add(DhcpOption.Addresses(DhcpOptionCode.DnsServers, dns));
        options.Add(DhcpOption.Text(DhcpOptionCode.DomainName, DomainName));
        if (network.Mtu is >= 68 and <= ushort.MaxValue) options.Add(DhcpOption.UInt16(DhcpOptionCode.InterfaceMtu, (ushort)network.Mtu.Value));

        var routes = new List<(IPAddress, int, IPAddress)>();
        foreach (var r in subnet.HostRoutes)
        {
            if (TryParseCidr(r.Destination, out var dst, out var len) && ParseV4(r.Nexthop) is { } via) routes.Add((dst, len, via));
        }
        if (routes.Count > 0)
        {
            if (gateway is not null && !routes.Any(r => r.Item2 == 0)) routes.Add((IPAddress.Any, 0, gateway));
            var option = DhcpOption.ClasslessRoutes(routes);
            if (option.Value.Length <= 255) options.Add(option);
        }
        return options;
    }

    private static IPAddress Mask(int prefix) =>
        new(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(prefix == 0 ? 0u : uint.MaxValue << (32 - prefix)));

    private static IPAddress? ParseV4(string? text) =>
        IPAddress.TryParse(text, out var a) && a.AddressFamily == AddressFamily.InterNetwork ? a : null;

    private static bool TryParseCidr(string cidr, out IPAddress network, out int prefix)
    {
        network = IPAddress.Any;
        prefix = 0;
        var parts = cidr.Split('/');
        if (parts.Length != 2 || ParseV4(parts[0]) is not { } a || !int.TryParse(parts[1], out prefix) || prefix is < 0 or > 32) return false;
        network = a;
        return true;
    }
}
