namespace Dragonflow.Model;

/// <summary>A Neutron network (table <c>lswitch</c>).</summary>
public sealed class LogicalSwitch : NeutronResource
{
    public bool AdminStateUp { get; set; } = true;

    public string Status { get; set; } = PortStatuses.Active;

    public bool Shared { get; set; }

    public int? Mtu { get; set; }

    /// <summary>Provider attribute provider:network_type: vxlan, geneve, vlan, flat, local.</summary>
    public string? NetworkType { get; set; }

    /// <summary>Provider attribute provider:physical_network.</summary>
    public string? PhysicalNetwork { get; set; }

    /// <summary>Provider attribute provider:segmentation_id; the VNI on tunnels.</summary>
    public int? SegmentationId { get; set; }

    /// <summary>Neutron router:external.</summary>
    public bool RouterExternal { get; set; }

    /// <summary>Neutron is_default: the default external network (at most one; only while external).</summary>
    public bool IsDefault { get; set; }

    /// <summary>Default for ports created on this network.</summary>
    public bool PortSecurityEnabled { get; set; } = true;

    /// <summary>Neutron availability_zone_hints: the zones asked for at create.</summary>
    public List<string> AvailabilityZoneHints { get; set; } = [];

    /// <summary>Ids of the lsubnet objects on this network.</summary>
    public List<string> Subnets { get; set; } = [];

    /// <summary>Small integer allocated per table; the metadata value in flows.</summary>
    public long UniqueKey { get; set; }
}
