using System.Globalization;
using System.Net;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>
/// The packet `dragonflow trace` follows: from a port (id, name or fixed IP) to an address, with
/// an IP protocol and, for TCP/UDP/SCTP, ports; for ICMP, type and code (default echo request).
/// </summary>
public sealed record PacketSpec(string FromPort, IPAddress Destination, string Protocol = "icmp")
{
    public int? DestinationPort { get; init; }

    public int? SourcePort { get; init; }

    /// <summary>The source address; null means the port's first fixed IP of the destination's family.</summary>
    public IPAddress? Source { get; init; }

    public int IcmpType { get; init; } = 8;

    public int IcmpCode { get; init; }

    /// <summary>The IP protocol number, or null for "any".</summary>
    public int? ProtocolNumber => ProtocolNumberOf(Protocol);

    public bool HasPorts => ProtocolNumber is 6 or 17 or 132;

    /// <summary>Neutron's protocol names (and numbers as text) to numbers; null for any.</summary>
    public static int? ProtocolNumberOf(string? protocol) => protocol?.ToLowerInvariant() switch
    {
        null or "" or "any" => null,
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        "icmpv6" or "ipv6-icmp" => 58,
        "sctp" => 132,
        var p when int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 255 => n,
        _ => -1, // unknown name: matches nothing but "any"
    };

    public override string ToString()
    {
        var proto = Protocol.ToLowerInvariant();
        if (HasPorts) return $"{proto} {Source?.ToString() ?? "?"}:{SourcePort?.ToString(CultureInfo.InvariantCulture) ?? "*"} -> {Destination}:{DestinationPort?.ToString(CultureInfo.InvariantCulture) ?? "*"}";
        if (ProtocolNumber == 1) return $"icmp type {IcmpType} code {IcmpCode} {Source?.ToString() ?? "?"} -> {Destination}";
        return $"{proto} {Source?.ToString() ?? "?"} -> {Destination}";
    }
}
