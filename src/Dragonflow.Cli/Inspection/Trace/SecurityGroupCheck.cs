using System.Net;
using System.Net.Sockets;
using Dragonflow.Model;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>The outcome of checking one direction of one port against its security groups.</summary>
public sealed record SecurityGroupVerdict(bool Allowed, string Reason, SecurityGroup? Group = null, SecurityGroupRule? Rule = null);

/// <summary>
/// Neutron security group semantics, evaluated from the NB objects alone: a port with port
/// security disabled is not filtered; otherwise a packet passes a direction only if some rule of
/// one of the port's groups permits it (no groups: nothing passes). A rule matches on
/// direction, ethertype, protocol (none = any), port range (TCP/UDP/SCTP destination port; for
/// ICMP, min = type and max = code) and remote: remote_ip_prefix contains the remote address,
/// or remote_group_id holds a port with that address, or neither is set. Stateful groups let
/// the replies back; that is not checked here (the first packet decides).
/// </summary>
public static class SecurityGroupCheck
{
    /// <param name="direction">ingress (to the port) or egress (from it).</param>
    /// <param name="remote">The other end: the destination for egress, the source for ingress.</param>
    public static SecurityGroupVerdict Evaluate(NbSnapshot nb, LogicalPort port, string direction, IPAddress remote, PacketSpec packet)
    {
        if (!port.PortSecurityEnabled) return new(true, "port security disabled: no security group applies");
        if (port.SecurityGroups.Count == 0) return new(false, "port security enabled and no security group: everything is dropped");
        var missing = new List<string>();
        foreach (var groupId in port.SecurityGroups)
        {
            if (!nb.SecurityGroups.TryGetValue(groupId, out var group))
            {
                missing.Add(groupId);
                continue;
            }
            foreach (var rule in group.Rules)
            {
                if (Matches(nb, rule, direction, remote, packet))
                    return new(true, $"permitted by rule {rule.Id} of group {Name(group)}: {Describe(rule)}", group, rule);
            }
        }
        var groups = string.Join(", ", port.SecurityGroups.Select(g => nb.SecurityGroups.TryGetValue(g, out var sg) ? Name(sg) : g + " (missing)"));
        var towards = direction == "ingress" ? "from" : "to";
        return new(false, $"no {direction} rule of group(s) {groups} permits {ProtocolText(packet)} {towards} {remote}");
    }

    public static bool Matches(NbSnapshot nb, SecurityGroupRule rule, string direction, IPAddress remote, PacketSpec packet)
    {
        if (!string.Equals(rule.Direction, direction, StringComparison.OrdinalIgnoreCase)) return false;
        var family = remote.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
        if (!string.Equals(rule.Ethertype, family, StringComparison.OrdinalIgnoreCase)) return false;
        var ruleProto = PacketSpec.ProtocolNumberOf(rule.Protocol);
        if (ruleProto is not null)
        {
            // A rule the API would not have taken matches nothing, as the sg app installs no flow for it.
            if (ruleProto == PacketSpec.UnknownProtocol) return false;
            var proto = packet.ProtocolNumber;
            // Neutron accepts "icmp" on IPv6 rules as ICMPv6.
            if (ruleProto == IpProtocols.Icmp && family == "IPv6") ruleProto = IpProtocols.Icmpv6;
            if (proto != ruleProto) return false;
            if (packet.HasPorts)
            {
                if (rule.PortRangeMin is { } min)
                {
                    var max = rule.PortRangeMax ?? min;
                    if (packet.DestinationPort is not { } port || port < min || port > max) return false;
                }
            }
            else if (packet.IsIcmp)
            {
                if (rule.PortRangeMin is { } type && type != packet.IcmpType) return false;
                if (rule.PortRangeMax is { } code && code != packet.IcmpCode) return false;
            }
        }
        if (!string.IsNullOrEmpty(rule.RemoteIpPrefix))
        {
            if (!Cidr.TryParse(rule.RemoteIpPrefix, out var prefix) || !prefix.Contains(remote)) return false;
        }
        else if (!string.IsNullOrEmpty(rule.RemoteGroupId))
        {
            var text = remote.ToString();
            if (!nb.Ports.Values.Any(p => p.SecurityGroups.Contains(rule.RemoteGroupId) &&
                    (p.Ips.Any(i => i.IpAddress == text) || p.AllowedAddressPairs.Any(a => Cidr.TryParse(a.IpAddress, out var c) && c.Contains(remote)))))
                return false;
        }
        return true;
    }

    public static string Describe(SecurityGroupRule rule)
    {
        var proto = string.IsNullOrEmpty(rule.Protocol) ? "any protocol" : rule.Protocol!;
        var ports = rule.PortRangeMin is { } min
            ? PacketSpec.ProtocolNumberOf(rule.Protocol) is IpProtocols.Icmp or IpProtocols.Icmpv6
                ? $" type {min}{(rule.PortRangeMax is { } code ? $" code {code}" : "")}"
                : rule.PortRangeMax is { } max && max != min ? $" {min}-{max}" : $" {min}"
            : "";
        var remote = !string.IsNullOrEmpty(rule.RemoteIpPrefix) ? rule.RemoteIpPrefix
            : !string.IsNullOrEmpty(rule.RemoteGroupId) ? "group " + rule.RemoteGroupId : "anywhere";
        return $"{rule.Direction} {rule.Ethertype} {proto}{ports} {(rule.Direction == "ingress" ? "from" : "to")} {remote}";
    }

    private static string ProtocolText(PacketSpec p) =>
        p.HasPorts ? $"{p.Protocol.ToLowerInvariant()}/{p.DestinationPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "*"}"
        : p.IsIcmp ? $"icmp type {p.IcmpType}" : p.Protocol.ToLowerInvariant();

    private static string Name(SecurityGroup g) => string.IsNullOrEmpty(g.Name) ? g.Id : $"{g.Name} ({g.Id})";
}
