using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dragonflow.Model;

/// <summary>A Neutron security group with its rules (table <c>lsecgroup</c>).</summary>
public sealed class SecurityGroup : NeutronResource
{
    public bool Stateful { get; set; } = true;

    public List<SecurityGroupRule> Rules { get; set; } = [];

    /// <summary>Small integer allocated per table; the conjunction id of the group's flows.</summary>
    public long UniqueKey { get; set; }
}

/// <summary>A Neutron security group rule; stored inside its group.</summary>
public sealed class SecurityGroupRule
{
    public string Id { get; set; } = "";

    public string? Topic { get; set; }

    public string? Description { get; set; }

    /// <summary>ingress or egress.</summary>
    public string Direction { get; set; } = "ingress";

    /// <summary>IPv4 or IPv6.</summary>
    public string Ethertype { get; set; } = "IPv4";

    /// <summary>tcp, udp, icmp, ... or a protocol number; null for any.</summary>
    public string? Protocol { get; set; }

    public int? PortRangeMin { get; set; }

    public int? PortRangeMax { get; set; }

    public string? RemoteIpPrefix { get; set; }

    public string? RemoteGroupId { get; set; }

    public long Version { get; set; }

    public DateTimeOffset? CreatedAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
