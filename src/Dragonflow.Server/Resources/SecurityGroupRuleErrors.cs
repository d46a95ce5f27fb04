using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Resources;

/// <summary>Neutron's security group rule exceptions (neutron/extensions/securitygroup.py): type and wording.</summary>
static class SecurityGroupRuleErrors
{
    public static NeutronException ParameterConflict(string ethertype, string cidr) =>
        new(400, "SecurityGroupRuleParameterConflict", $"Conflicting value ethertype {ethertype} for CIDR {cidr}");

    public static NeutronException EthertypeConflictWithProtocol(string ethertype, string protocol) =>
        new(400, "SecurityGroupEthertypeConflictWithProtocol", $"Invalid ethertype {ethertype} for protocol {protocol}.");

    public static NeutronException InvalidPortValue(int port) =>
        new(400, "SecurityGroupInvalidPortValue", $"Invalid value for port {port}");

    public static NeutronException InvalidPortRange() =>
        new(400, "SecurityGroupInvalidPortRange", "For TCP/UDP protocols, port_range_min must be <= port_range_max");

    public static NeutronException InvalidIcmpValue(string field, string attribute, int value) =>
        new(400, "SecurityGroupInvalidIcmpValue", $"Invalid value for ICMP {field} ({attribute}): {value}. It must be 0 to 255.");

    public static NeutronException MissingIcmpType(int code) =>
        new(400, "SecurityGroupMissingIcmpType", $"ICMP code (port-range-max) {code} is provided but ICMP type (port-range-min) is missing.");

    public static NeutronException NotSingleGroup() =>
        new(400, "SecurityGroupNotSingleGroupRules", "Only allowed to update rules for one security profile at a time");

    public static NeutronException NotSingleTenant() =>
        new(400, "SecurityGroupRulesNotSingleTenant", "Multiple tenant_ids in bulk security group rule create not allowed");

    public static NeutronException DuplicateInPost() =>
        NeutronErrors.Conflict("DuplicateSecurityGroupRuleInPost", "Duplicate Security Group Rule in POST.");

    public static NeutronException Exists(string ruleId) =>
        NeutronErrors.Conflict("SecurityGroupRuleExists", $"Security group rule already exists. Rule id is {ruleId}.");
}
