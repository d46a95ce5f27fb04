using System.Net;
using System.Net.Sockets;
using Dragonflow.Controller.Packets.Dhcp;
using Dragonflow.Controller.Apps.Metadata;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.Dhcp;

/// <summary>
/// What a port is told over DHCP: its fixed IPv4 address on a subnet with enable_dhcp and the
/// subnet's settings as options (RFC 2132 mask 1, router 3, DNS 6, host name 12, domain 15, MTU
/// 26, lease 51, T1/T2 58/59; RFC 3442 classless routes 121), then the port's extra_dhcp_opts,
/// which replace the subnet's option of the same code. When 121 is sent the client ignores
/// option 3, so the default route via the gateway is added to 121 as well. The host name is the
/// port's dns_name, else Neutron's <c>host-A-B-C-D</c>.
/// </summary>
/// <param name="Refused">Extra options that could not be sent, with the reason (logged by the app).</param>
public sealed record DhcpLease(IPAddress Address, IPAddress ServerIp, MacAddress ServerMac, IReadOnlyList<DhcpOption> Options,
    IPAddress? NextServer, IReadOnlyList<string> Refused)
{
    public const uint LeaseSeconds = 86400;

    /// <summary>[df] dns_domain by default, as Neutron's.</summary>
    public const string DefaultDomain = "openstacklocal";

    /// <summary>The lease of <paramref name="port"/>, or null if none of its IPv4 subnets has DHCP enabled.</summary>
    /// <param name="metadataRoute">True for a subnet whose VMs need a host route to the metadata address via the DHCP server (one without a router).</param>
    public static DhcpLease? For(PortView port, IReadOnlyDictionary<string, LogicalSubnet> subnets, string dnsDomain = DefaultDomain,
        Func<LogicalSubnet, bool>? metadataRoute = null)
    {
        foreach (var fixedIp in port.Port.Ips)
        {
            if (!subnets.TryGetValue(fixedIp.SubnetId, out var subnet) || !subnet.EnableDhcp) continue;
            if (!IPAddress.TryParse(fixedIp.IpAddress, out var address) || address.AddressFamily != AddressFamily.InterNetwork) continue;
            if (!TryParseCidr(subnet.Cidr, out _, out var prefix)) continue;
            var gateway = ParseV4(subnet.GatewayIp);
            var server = ParseV4(subnet.DhcpIp) ?? gateway;
            if (server is null) continue; // nothing to answer from
            var options = OptionsOf(subnet, port.Network, prefix, gateway, HostNameOf(port.Port, address), dnsDomain, metadataRoute?.Invoke(subnet) == true ? server : null);
            var refused = new List<string>();
            foreach (var extra in port.Port.ExtraDhcpOpts.Where(e => e.IpVersion == 4 && !IsNextServer(e)))
            {
                var (option, error) = ExtraOptionCatalog.Encode(extra);
                if (option is null)
                {
                    refused.Add($"{extra.OptName}: {error}");
                    continue;
                }
                options.RemoveAll(o => o.Code == option.Code);
                options.Add(option);
            }
            return new DhcpLease(address, server, ServerMacOf(port.NetworkKey), options, ExtraOptionCatalog.NextServer(port.Port.ExtraDhcpOpts), refused);
        }
        return null;
    }

    /// <summary>The source MAC of replies: locally administered, one per network.</summary>
    public static MacAddress ServerMacOf(ulong networkKey) => new(0x02df_0000_0000UL | (networkKey & 0xffff_ffff));

    private static bool IsNextServer(ExtraDhcpOption e) => string.Equals(e.OptName, ExtraOptionCatalog.NextServerName, StringComparison.OrdinalIgnoreCase);

    /// <summary>dns_name without a trailing dot, else <c>host-</c> and the address with dashes (Neutron's default).</summary>
    public static string HostNameOf(LogicalPort port, IPAddress address) =>
        port.DnsName.TrimEnd('.') is { Length: > 0 } name ? name : "host-" + address.ToString().Replace('.', '-');

    private static List<DhcpOption> OptionsOf(LogicalSubnet subnet, LogicalSwitch network, int prefix, IPAddress? gateway, string hostName, string dnsDomain,
        IPAddress? metadataVia)
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
        options.Add(DhcpOption.Text(DhcpOptionCode.HostName, hostName));
        if (dnsDomain.Trim('.') is { Length: > 0 } domain) options.Add(DhcpOption.Text(DhcpOptionCode.DomainName, domain));
        if (network.Mtu is >= 68 and <= ushort.MaxValue) options.Add(DhcpOption.UInt16(DhcpOptionCode.InterfaceMtu, (ushort)network.Mtu.Value));

        var routes = new List<(IPAddress, int, IPAddress)>();
        foreach (var r in subnet.HostRoutes)
        {
            if (TryParseCidr(r.Destination, out var dst, out var len) && ParseV4(r.Nexthop) is { } via) routes.Add((dst, len, via));
        }
        if (metadataVia is not null && !routes.Any(r => r.Item1.Equals(MetadataAddress.Ipv4) && r.Item2 == 32))
            routes.Add((MetadataAddress.Ipv4, 32, metadataVia));
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
