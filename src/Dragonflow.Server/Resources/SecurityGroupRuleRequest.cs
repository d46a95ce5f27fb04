using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;
using Dragonflow.Server.Ipam;

namespace Dragonflow.Server.Resources;

/// <summary>One security_group_rule of a create body, validated and converted as Neutron does.</summary>
static class SecurityGroupRuleRequest
{
    public static readonly string[] Attributes =
    [
        "id", "project_id", "tenant_id", "description", "security_group_id", "direction", "ethertype", "protocol",
        "port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id", "remote_address_group_id",
    ];

    const int PortMax = 65535;
    const int IcmpFieldMax = 255;

    /// <summary>A port bound as Neutron converts it: a number outside 0..65535 is "Invalid value for port".</summary>
    static int? PortValue(Input body, string name)
    {
        var value = body.Int(name);
        return value is < 0 or > PortMax ? throw SecurityGroupRuleErrors.InvalidPortValue(value.Value) : value;
    }

    static string OwnProject(Caller caller, string project)
    {
        Access.RequireOwnProject(caller, project);
        return project;
    }

    public static async Task<SecurityGroupRule> ParseAsync(CorePlugin plugin, Input body, Caller caller)
    {
        var direction = body.RequiredString("direction");
        if (direction is not ("ingress" or "egress"))
            throw NeutronErrors.InvalidInput($"{direction} is not in ['ingress', 'egress']");
        var ethertype = body.String("ethertype") ?? "IPv4";
        if (ethertype is not ("IPv4" or "IPv6"))
            throw NeutronErrors.InvalidInput($"{ethertype} is not in ['IPv4', 'IPv6']");
        string? protocol = null;
        var protocolNode = body.Body["protocol"];
        if (protocolNode is JsonValue pv && pv.TryGetValue<int>(out var pn))
            protocol = pn is >= 0 and <= 255 ? pn.ToString() : throw NeutronErrors.BadRequest($"Security group rule protocol {pn} not supported.");
        else if (body.String("protocol") is { } p)
        {
            if (int.TryParse(p, out var num))
                protocol = num is >= 0 and <= 255 ? p : throw NeutronErrors.BadRequest($"Security group rule protocol {p} not supported.");
            else if (p.Equals(IpProtocols.Any, StringComparison.OrdinalIgnoreCase))
                protocol = null;
            else if (IpProtocols.TryGetNumber(p, out _))
                protocol = p.ToLowerInvariant();
            else
                throw NeutronErrors.BadRequest($"Security group rule protocol {p} not supported. Only protocol values [{string.Join(", ", IpProtocols.Names.Append(IpProtocols.Any))}] and integer representations [0 to 255] are supported.");
        }
        var min = PortValue(body, "port_range_min");
        var max = PortValue(body, "port_range_max");
        if ((min is not null || max is not null) && protocol is null)
            throw NeutronErrors.BadRequest("Must also specify protocol if port range is given.");
        byte? number = IpProtocols.TryParse(protocol, out var parsed) ? parsed : null;
        if (number is { } v6 && IpProtocols.IsIpv6Only(v6) && ethertype == "IPv4")
            throw SecurityGroupRuleErrors.EthertypeConflictWithProtocol(ethertype, protocol!);
        if (number is { } withPorts && IpProtocols.HasPorts(withPorts))
        {
            if (min == 0 || max == 0)
                throw SecurityGroupRuleErrors.InvalidPortValue(0);
            // One end without the other is no range (Neutron: both or neither).
            if ((min is not null || max is not null) && !(min is not null && max is not null && min <= max))
                throw SecurityGroupRuleErrors.InvalidPortRange();
        }
        else if (number is { } icmp && IpProtocols.IsIcmp(icmp))
        {
            if (min is > IcmpFieldMax)
                throw SecurityGroupRuleErrors.InvalidIcmpValue("type", "port_range_min", min.Value);
            if (max is > IcmpFieldMax)
                throw SecurityGroupRuleErrors.InvalidIcmpValue("code", "port_range_max", max.Value);
            if (min is null && max is { } code)
                throw SecurityGroupRuleErrors.MissingIcmpType(code);
        }
        string? prefix = null;
        if (body.String("remote_ip_prefix", 64) is { Length: > 0 } prefixText) // "" is none, as in Neutron
        {
            var remote = RemoteIpPrefix.TryParse(prefixText) ?? throw NeutronErrors.InvalidCidr(prefixText);
            prefix = remote.ToString();
            if (remote.Ethertype != ethertype)
                throw SecurityGroupRuleErrors.ParameterConflict(ethertype, prefix);
        }
        var remoteGroup = body.String("remote_group_id");
        if (remoteGroup is not null && prefix is not null)
            throw NeutronErrors.BadRequest("Only remote_ip_prefix or remote_group_id may be provided.");
        if (remoteGroup is not null)
            await Access.FindAsync<SecurityGroup>(plugin, caller, remoteGroup, "Security group");
        if (body.String("remote_address_group_id") is not null)
            throw NeutronErrors.BadRequest("Address groups are not supported");
        var now = DateTimeOffset.UtcNow;
        return new SecurityGroupRule
        {
            Id = Guid.NewGuid().ToString(),
            Topic = OwnProject(caller, body.String("project_id") ?? body.String("tenant_id") ?? caller.ProjectId),
            Description = body.String("description") ?? "",
            Direction = direction,
            Ethertype = ethertype,
            Protocol = protocol,
            PortRangeMin = min,
            PortRangeMax = max,
            RemoteIpPrefix = prefix,
            RemoteGroupId = remoteGroup,
            Version = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }
}
