using System.Globalization;

namespace Dragonflow.Model;

/// <summary>
/// IP protocol names and numbers as Neutron knows them (neutron-lib's IP_PROTOCOL_MAP). The API's
/// rule validation, the security group flows and the trace verb all read this one table, so a
/// protocol name means the same protocol everywhere. Neutron's two names for 0, "hopopt" and
/// "ip", are not accepted (they never were here); a rule may still give the number 0.
/// </summary>
public static class IpProtocols
{
    public const byte Icmp = 1;
    public const byte Igmp = 2;
    public const byte Ipip = 4;
    public const byte Tcp = 6;
    public const byte Egp = 8;
    public const byte Udp = 17;
    public const byte Dccp = 33;
    public const byte Ipv6Encap = 41;
    public const byte Ipv6Route = 43;
    public const byte Ipv6Frag = 44;
    public const byte Rsvp = 46;
    public const byte Gre = 47;
    public const byte Esp = 50;
    public const byte Ah = 51;
    public const byte Icmpv6 = 58;
    public const byte Ipv6NoNxt = 59;
    public const byte Ipv6Opts = 60;
    public const byte Ospf = 89;
    public const byte Vrrp = 112;
    public const byte Pgm = 113;
    public const byte Sctp = 132;
    public const byte UdpLite = 136;

    /// <summary>The rule protocol that matches every protocol (as does none at all).</summary>
    public const string Any = "any";

    /// <summary>Neutron's name for ICMPv6; "icmpv6" is its older alias, kept by the API for compatibility.</summary>
    public const string Icmpv6Name = "ipv6-icmp";

    private static readonly Dictionary<string, byte> NumberByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ah"] = Ah, ["dccp"] = Dccp, ["egp"] = Egp, ["esp"] = Esp, ["gre"] = Gre, ["icmp"] = Icmp, ["icmpv6"] = Icmpv6,
        ["igmp"] = Igmp, ["ipip"] = Ipip, ["ipv6-encap"] = Ipv6Encap, ["ipv6-frag"] = Ipv6Frag, [Icmpv6Name] = Icmpv6,
        ["ipv6-nonxt"] = Ipv6NoNxt, ["ipv6-opts"] = Ipv6Opts, ["ipv6-route"] = Ipv6Route, ["ospf"] = Ospf, ["pgm"] = Pgm,
        ["rsvp"] = Rsvp, ["sctp"] = Sctp, ["tcp"] = Tcp, ["udp"] = Udp, ["udplite"] = UdpLite, ["vrrp"] = Vrrp,
    };

    // One name per number: the alias "icmpv6" gives way to Neutron's "ipv6-icmp".
    private static readonly Dictionary<byte, string> NameByNumber = NumberByName
        .Where(kv => kv.Key != "icmpv6")
        .ToDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>Every protocol name Neutron accepts in a security group rule (besides <see cref="Any"/>), alias included.</summary>
    public static IReadOnlyCollection<string> Names => NumberByName.Keys;

    /// <summary>The number of a protocol name ("tcp", "TCP"); false for a number or an unknown name.</summary>
    public static bool TryGetNumber(string name, out byte number) => NumberByName.TryGetValue(name, out number);

    /// <summary>Neutron's name for a protocol number, or null if it has none.</summary>
    public static string? NameOf(byte number) => NameByNumber.GetValueOrDefault(number);

    /// <summary>A protocol as a rule or a command line gives it: a name ("tcp") or a number 0-255 ("6").</summary>
    public static bool TryParse(string? text, out byte number)
    {
        number = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        return TryGetNumber(text, out number) || byte.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>The IPv6-only protocols (extension headers and ICMPv6) that an IPv4 rule may not name.</summary>
    public static bool IsIpv6Only(byte number) => number is Ipv6Encap or Ipv6Route or Ipv6Frag or Icmpv6 or Ipv6NoNxt or Ipv6Opts;

    /// <summary>True for the protocols whose rules give a port range (Neutron's list).</summary>
    public static bool HasPorts(byte number) => number is Tcp or Udp or Sctp or Dccp or UdpLite;

    /// <summary>True for ICMP and ICMPv6, whose rules give a type (port_range_min) and a code (port_range_max).</summary>
    public static bool IsIcmp(byte number) => number is Icmp or Icmpv6;
}
