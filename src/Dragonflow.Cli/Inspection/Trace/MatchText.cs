using System.Globalization;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>
/// A match as a set of canonical tokens, so that a match as Open vSwitch prints it (in
/// ofproto/trace) can be compared with one of our <see cref="Match"/> objects: protocol
/// shorthands (ip, arp, tcp, ...) stand for dl_type/nw_proto, tcp_dst/udp_dst read as tp_dst,
/// ct_state flags are sorted, a VLAN as OVS prints it (dl_vlan=N, or vlan_tci=0x0000/0x1fff
/// for no tag) reads as the OpenFlow vlan_vid it matches.
/// </summary>
public static class MatchText
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["eth_src"] = "dl_src", ["eth_dst"] = "dl_dst", ["eth_type"] = "dl_type", ["ip_src"] = "nw_src", ["ip_dst"] = "nw_dst",
        ["ip_proto"] = "nw_proto", ["tcp_src"] = "tp_src", ["tcp_dst"] = "tp_dst", ["udp_src"] = "tp_src", ["udp_dst"] = "tp_dst",
        ["sctp_src"] = "tp_src", ["sctp_dst"] = "tp_dst", ["tunnel_id"] = "tun_id", ["icmpv4_type"] = "icmp_type", ["icmpv4_code"] = "icmp_code",
    };

    // Open vSwitch's protocol words (ovs-fields(7)), not Neutron's protocol names.
    private static readonly Dictionary<string, (ushort DlType, byte? Proto)> Shorthands = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ip"] = (EtherTypes.Ipv4, null), ["arp"] = (EtherTypes.Arp, null), ["ipv6"] = (EtherTypes.Ipv6, null), ["rarp"] = (EtherTypes.Rarp, null),
        ["tcp"] = (EtherTypes.Ipv4, IpProtocols.Tcp), ["udp"] = (EtherTypes.Ipv4, IpProtocols.Udp),
        ["icmp"] = (EtherTypes.Ipv4, IpProtocols.Icmp), ["sctp"] = (EtherTypes.Ipv4, IpProtocols.Sctp),
        ["tcp6"] = (EtherTypes.Ipv6, IpProtocols.Tcp), ["udp6"] = (EtherTypes.Ipv6, IpProtocols.Udp),
        ["icmp6"] = (EtherTypes.Ipv6, IpProtocols.Icmpv6), ["sctp6"] = (EtherTypes.Ipv6, IpProtocols.Sctp),
    };

    /// <summary>OFPVID_PRESENT: the bit of vlan_vid that says a tag is there.</summary>
    private const int VidPresent = 0x1000;

    /// <summary>How OVS prints a match on "no VLAN tag" (vlan_vid = OFPVID_NONE).</summary>
    private const string UntaggedTci = "0x0000/0x1fff";

    /// <summary>Tokens of a match as OVS prints it, e.g. <c>tcp,reg6=0x2,nw_dst=10.0.0.0/24,tp_dst=22</c>.</summary>
    public static IReadOnlySet<string> Parse(string text)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = raw.IndexOf('=');
            if (eq < 0)
            {
                if (Shorthands.TryGetValue(raw, out var s))
                {
                    tokens.Add(Token("dl_type", s.DlType.ToString(CultureInfo.InvariantCulture)));
                    if (s.Proto is { } proto) tokens.Add(Token("nw_proto", proto.ToString(CultureInfo.InvariantCulture)));
                }
                else tokens.Add(raw.ToLowerInvariant());
                continue;
            }
            tokens.Add(Token(raw[..eq], raw[(eq + 1)..]));
        }
        return tokens;
    }

    /// <summary>Tokens of one of our matches.</summary>
    public static IReadOnlySet<string> Of(Match match) =>
        match.Fields.Select(f => Token(f.Field.Name, f.FormatValue())).ToHashSet(StringComparer.Ordinal);

    private static string Token(string name, string value)
    {
        name = Aliases.GetValueOrDefault(name, name).ToLowerInvariant();
        value = value.Trim().ToLowerInvariant();
        if (name == "dl_vlan" && ushort.TryParse(value, CultureInfo.InvariantCulture, out var vid))
            return "vlan_vid=" + (VidPresent | vid).ToString(CultureInfo.InvariantCulture);
        if (name == "vlan_tci" && value == UntaggedTci) return "vlan_vid=0";
        if (name == "ct_state")
            value = string.Concat(System.Text.RegularExpressions.Regex.Matches(value, "[+-][a-z]+").Select(m => m.Value).Order(StringComparer.Ordinal));
        else if (value.StartsWith("0x", StringComparison.Ordinal) && !value.Contains('/') && ulong.TryParse(value[2..], NumberStyles.HexNumber, null, out var hex))
            value = hex.ToString(CultureInfo.InvariantCulture); // 0x0800 == 0x800 == 2048
        else if (name is "dl_type" or "nw_proto" && ulong.TryParse(value, out var dec))
            value = dec.ToString(CultureInfo.InvariantCulture);
        return name + "=" + value;
    }
}
