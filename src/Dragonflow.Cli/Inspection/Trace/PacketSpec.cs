using System.Globalization;
using System.Net;
using Dragonflow.Model;

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

    /// <summary><see cref="ProtocolNumberOf"/> for a name <see cref="IpProtocols"/> does not know.</summary>
    public const int UnknownProtocol = -1;

    /// <summary>The IP protocol number, null for "any", or <see cref="UnknownProtocol"/>.</summary>
    public int? ProtocolNumber => ProtocolNumberOf(Protocol);

    /// <summary>True for the protocols whose ports the trace sets and Open vSwitch matches (tp_src/tp_dst).</summary>
    public bool HasPorts => ProtocolNumber is IpProtocols.Tcp or IpProtocols.Udp or IpProtocols.Sctp;

    public bool IsIcmp => ProtocolNumber is IpProtocols.Icmp or IpProtocols.Icmpv6;

    /// <summary>Neutron's protocol names (and numbers as text) to numbers; null for any (or none), <see cref="UnknownProtocol"/> for an unknown name.</summary>
    public static int? ProtocolNumberOf(string? protocol) =>
        string.IsNullOrEmpty(protocol) || protocol.Equals(IpProtocols.Any, StringComparison.OrdinalIgnoreCase) ? null
        : IpProtocols.TryParse(protocol, out var number) ? number
        : UnknownProtocol;

    public override string ToString()
    {
        var proto = Protocol.ToLowerInvariant();
        if (HasPorts) return $"{proto} {Source?.ToString() ?? "?"}:{SourcePort?.ToString(CultureInfo.InvariantCulture) ?? "*"} -> {Destination}:{DestinationPort?.ToString(CultureInfo.InvariantCulture) ?? "*"}";
        if (ProtocolNumber == IpProtocols.Icmp) return $"icmp type {IcmpType} code {IcmpCode} {Source?.ToString() ?? "?"} -> {Destination}";
        return $"{proto} {Source?.ToString() ?? "?"} -> {Destination}";
    }
}
