namespace Dragonflow.Model;

/// <summary>A Neutron floating IP (table <c>floatingip</c>).</summary>
public sealed class FloatingIp : NeutronResource
{
    public string Status { get; set; } = PortStatuses.Down;

    public string FloatingIpAddress { get; set; } = "";

    /// <summary>External network (Neutron floating_network_id).</summary>
    public string FloatingNetworkId { get; set; } = "";

    /// <summary>The lport on the external network that owns the floating address.</summary>
    public string? FloatingLport { get; set; }

    /// <summary>The associated VM port (Neutron port_id); null when unassociated.</summary>
    public string? Lport { get; set; }

    public string? FixedIpAddress { get; set; }

    /// <summary>The router that does the NAT (Neutron router_id).</summary>
    public string? Lrouter { get; set; }

    /// <summary>Gateway of the external subnet, next hop for traffic leaving via br-ex.</summary>
    public string? ExternalGatewayIp { get; set; }

    public string? ExternalGatewayMac { get; set; }

    public string? FloatingMac { get; set; }
}
