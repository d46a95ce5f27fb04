namespace Dragonflow.Model;

/// <summary>A Neutron router (table <c>lrouter</c>).</summary>
public sealed class LogicalRouter : NeutronResource
{
    public bool AdminStateUp { get; set; } = true;

    public string Status { get; set; } = PortStatuses.Active;

    /// <summary>Router interfaces (one per attached subnet).</summary>
    public List<LogicalRouterPort> Ports { get; set; } = [];

    /// <summary>Neutron availability_zone_hints: the zones asked for at create.</summary>
    public List<string> AvailabilityZoneHints { get; set; } = [];

    /// <summary>Extra routes.</summary>
    public List<HostRoute> Routes { get; set; } = [];

    public ExternalGatewayInfo? ExternalGatewayInfo { get; set; }

    public bool Distributed { get; set; } = true;

    public long UniqueKey { get; set; }
}

/// <summary>A router interface: its lport, MAC and address on one subnet.</summary>
public sealed class LogicalRouterPort
{
    /// <summary>The lport id of the interface (Neutron port_id).</summary>
    public string Id { get; set; } = "";

    public string? Topic { get; set; }

    public string Mac { get; set; } = "";

    /// <summary>Interface address with prefix, e.g. 10.0.0.1/24.</summary>
    public string Network { get; set; } = "";

    public string Lswitch { get; set; } = "";

    public string? SubnetId { get; set; }

    public long UniqueKey { get; set; }
}

/// <summary>Neutron external_gateway_info.</summary>
public sealed class ExternalGatewayInfo
{
    public string NetworkId { get; set; } = "";

    public bool EnableSnat { get; set; } = true;

    public List<FixedIp> ExternalFixedIps { get; set; } = [];

    /// <summary>The lport that holds the router's address on the external network.</summary>
    public string? PortId { get; set; }
}
