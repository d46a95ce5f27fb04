namespace Dragonflow.Testing.Sandbox;

/// <summary>How to build a <see cref="VmNamespace"/>.</summary>
public sealed class VmOptions
{
    /// <summary>MAC of eth0, e.g. "fa:16:3e:00:00:01".</summary>
    public required string Mac { get; init; }

    /// <summary>Static address with prefix ("10.0.0.5/24"); null leaves eth0 unaddressed (DHCP tests).</summary>
    public string? IpCidr { get; init; }

    /// <summary>Interface external_ids:iface-id (the NB logical port id); none when null.</summary>
    public string? IfaceId { get; init; }

    public string Bridge { get; init; } = "br-int";
    public int? OfportRequest { get; init; }
    public int Mtu { get; init; } = 1400;

    /// <summary>Default route via this gateway once eth0 has an address.</summary>
    public string? Gateway { get; init; }
}
