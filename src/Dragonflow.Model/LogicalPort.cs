namespace Dragonflow.Model;

/// <summary>A Neutron port (table <c>lport</c>).</summary>
public sealed class LogicalPort : NeutronResource
{
    /// <summary>Id of the lswitch (Neutron network_id).</summary>
    public string Lswitch { get; set; } = "";

    /// <summary>MAC addresses; the first is Neutron's mac_address.</summary>
    public List<string> Macs { get; set; } = [];

    /// <summary>Neutron fixed_ips.</summary>
    public List<FixedIp> Ips { get; set; } = [];

    /// <summary>Neutron admin_state_up.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>DOWN until a chassis has bound the port and installed its flows, then ACTIVE.</summary>
    public string Status { get; set; } = PortStatuses.Down;

    /// <summary>The chassis the port is bound to (written by that chassis' controller).</summary>
    public string? Chassis { get; set; }

    /// <summary>Neutron binding:host_id as requested by Nova.</summary>
    public string? BindingHostId { get; set; }

    /// <summary>Neutron binding:vnic_type.</summary>
    public string BindingVnicType { get; set; } = "normal";

    public string DeviceOwner { get; set; } = "";

    public string DeviceId { get; set; } = "";

    public List<string> SecurityGroups { get; set; } = [];

    public bool PortSecurityEnabled { get; set; } = true;

    public List<AddressPair> AllowedAddressPairs { get; set; } = [];

    /// <summary>Neutron extra_dhcp_opts: options the port's DHCP answers carry besides the subnet's.</summary>
    public List<ExtraDhcpOption> ExtraDhcpOpts { get; set; } = [];

    /// <summary>Neutron dns_name: the host name the port's DHCP answers give (option 12); empty = derived from the address.</summary>
    public string DnsName { get; set; } = "";

    /// <summary>Small integer allocated per table; reg6/reg7 in flows.</summary>
    public long UniqueKey { get; set; }
}

/// <summary>One Neutron fixed IP: an address from a subnet.</summary>
public sealed record FixedIp(string SubnetId, string IpAddress);

/// <summary>A Neutron allowed address pair; MAC null means the port's own MAC.</summary>
public sealed record AddressPair(string IpAddress, string? MacAddress = null);
