using System.Net;
using System.Net.Sockets;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.SecurityGroups;

/// <summary>
/// What one security group rule matches, as OpenFlow matches (the rule's clause of the group's
/// conjunction): ethertype, protocol, destination port range (as masks) or ICMP type/code, and
/// the remote side — a prefix, or every address of the remote group's members. The remote is
/// the source for ingress rules and the destination for egress rules; the port range is always
/// the destination port (Neutron semantics). A rule that cannot match anything (a remote group
/// without members, an unreadable prefix) yields no match.
/// </summary>
public static class RuleMatches
{
    public const ushort Ipv4 = EtherTypes.Ipv4;
    public const ushort Ipv6 = EtherTypes.Ipv6;

    /// <summary>True for an ingress rule (table INGRESS_SECURITY_GROUP); false for egress.</summary>
    public static bool IsIngress(SecurityGroupRule rule) => !string.Equals(rule.Direction, "egress", StringComparison.OrdinalIgnoreCase);

    public static ushort EtherType(SecurityGroupRule rule) =>
        string.Equals(rule.Ethertype, "IPv6", StringComparison.OrdinalIgnoreCase) ? Ipv6 : Ipv4;

    /// <summary>The IP protocol number of the rule (ICMP becomes ICMPv6 in an IPv6 rule), null for any; throws FormatException for an unknown name.</summary>
    public static byte? Protocol(SecurityGroupRule rule)
    {
        if (rule.Protocol is not { Length: > 0 } p || p.Equals(IpProtocols.Any, StringComparison.OrdinalIgnoreCase)) return null;
        byte number = IpProtocols.TryParse(p, out var n) ? n
            : throw new FormatException($"unknown protocol '{p}'");
        return number == IpProtocols.Icmp && EtherType(rule) == Ipv6 ? IpProtocols.Icmpv6 : number;
    }

    /// <summary>
    /// The matches of <paramref name="rule"/>. <paramref name="remoteGroupAddresses"/> are the
    /// addresses of the remote group's members (used only when the rule names a remote group).
    /// </summary>
    public static IReadOnlyList<Match> For(SecurityGroupRule rule, IEnumerable<(IPAddress Address, int Prefix)>? remoteGroupAddresses = null)
    {
        var ethType = EtherType(rule);
        var family = ethType == Ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var ingress = IsIngress(rule);
        var remoteField = family == AddressFamily.InterNetwork
            ? ingress ? OxmFields.Ipv4Src : OxmFields.Ipv4Dst
            : ingress ? OxmFields.Ipv6Src : OxmFields.Ipv6Dst;

        // The remote side: null = anywhere.
        List<MatchField?> remotes;
        if (rule.RemoteGroupId is { Length: > 0 })
        {
            remotes = (remoteGroupAddresses ?? [])
                .Where(a => a.Address.AddressFamily == family)
                .Select(a => (MatchField?)MatchField.Ip(remoteField, Network(a.Address, a.Prefix), a.Prefix == a.Address.GetAddressBytes().Length * 8 ? null : a.Prefix))
                .Distinct()
                .ToList();
        }
        else if (rule.RemoteIpPrefix is { Length: > 0 } prefix)
        {
            if (!TryParsePrefix(prefix, out var address, out var length) || address.AddressFamily != family) return [];
            remotes = length == 0 ? [null] : [MatchField.Ip(remoteField, Network(address, length), length == address.GetAddressBytes().Length * 8 ? null : length)];
        }
        else
        {
            remotes = [null];
        }

        var l4 = L4(rule, ethType);
        var matches = new List<Match>();
        foreach (var remote in remotes)
        {
            foreach (var extra in l4)
            {
                var fields = new List<MatchField> { MatchField.EthType(ethType) };
                if (remote is { } r) fields.Add(r);
                fields.AddRange(extra);
                matches.Add(new Match(fields));
            }
        }
        return matches;
    }

    /// <summary>Protocol and port/type alternatives; one empty list means "any".</summary>
    private static List<List<MatchField>> L4(SecurityGroupRule rule, ushort ethType)
    {
        if (Protocol(rule) is not byte proto) return [[]];
        var ipProto = MatchField.IpProto(proto);
        OxmField? portField = proto switch
        {
            IpProtocols.Tcp => OxmFields.TcpDst,
            IpProtocols.Udp => OxmFields.UdpDst,
            IpProtocols.Sctp => OxmFields.SctpDst,
            _ => null,
        };
        if (portField is not null)
        {
            if (rule.PortRangeMin is not int min) return [[ipProto]];
            var max = rule.PortRangeMax ?? min;
            if (min < 0 || max > 65535 || min > max) return [];
            return PortRange.Masks((ushort)min, (ushort)max)
                .Select(m => m.Mask == 0 ? new List<MatchField> { ipProto } : [ipProto, MatchField.Masked(portField, m.Value, m.Mask)])
                .ToList();
        }
        if (IpProtocols.IsIcmp(proto))
        {
            var fields = new List<MatchField> { ipProto };
            var (typeField, codeField) = proto == IpProtocols.Icmp ? (OxmFields.Icmpv4Type, OxmFields.Icmpv4Code) : (OxmFields.Icmpv6Type, OxmFields.Icmpv6Code);
            if (rule.PortRangeMin is int type and >= 0 and <= 255)
            {
                fields.Add(MatchField.Exact(typeField, (ulong)type));
                if (rule.PortRangeMax is int code and >= 0 and <= 255) fields.Add(MatchField.Exact(codeField, (ulong)code));
            }
            return [fields];
        }
        return [[ipProto]];
    }

    /// <summary>Parses "10.0.0.0/8", "fd00::/64" or a bare address (a host prefix).</summary>
    public static bool TryParsePrefix(string text, out IPAddress address, out int length)
    {
        var slash = text.IndexOf('/');
        length = 0;
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out address!)) return false;
        var bits = address.GetAddressBytes().Length * 8;
        if (slash < 0)
        {
            length = bits;
            return true;
        }
        return int.TryParse(text[(slash + 1)..], out length) && length >= 0 && length <= bits;
    }

    /// <summary>The address with the host bits cleared.</summary>
    private static IPAddress Network(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length * 8; i++)
            if (i >= prefix) bytes[i / 8] &= (byte)~(0x80 >> (i % 8));
        return new IPAddress(bytes);
    }
}
