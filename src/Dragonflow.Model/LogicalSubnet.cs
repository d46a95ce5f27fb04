namespace Dragonflow.Model;

/// <summary>A Neutron subnet (table <c>lsubnet</c>).</summary>
public sealed class LogicalSubnet : NeutronResource
{
    /// <summary>Id of the owning lswitch (Neutron network_id).</summary>
    public string Lswitch { get; set; } = "";

    public int IpVersion { get; set; } = 4;

    public string Cidr { get; set; } = "";

    public string? GatewayIp { get; set; }

    public bool EnableDhcp { get; set; } = true;

    /// <summary>Address the DHCP app answers from.</summary>
    public string? DhcpIp { get; set; }

    public List<string> DnsNameservers { get; set; } = [];

    public List<HostRoute> HostRoutes { get; set; } = [];

    public List<AllocationPool> AllocationPools { get; set; } = [];

    /// <summary>slaac, dhcpv6-stateful or dhcpv6-stateless; null for IPv4.</summary>
    public string? Ipv6RaMode { get; set; }

    public string? Ipv6AddressMode { get; set; }

    public string? SubnetpoolId { get; set; }
}

/// <summary>A static route: destination CIDR via nexthop (subnet host_routes, router routes).</summary>
public sealed record HostRoute(string Destination, string Nexthop);

/// <summary>An inclusive range of addresses a subnet hands out.</summary>
public sealed record AllocationPool(string Start, string End);
