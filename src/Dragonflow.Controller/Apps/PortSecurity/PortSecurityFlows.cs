using System.Net;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.PortSecurity;

/// <summary>
/// The anti-spoofing flows of one local port in table 1, matched on reg6 (the source port key
/// table 0 wrote). What a VM legitimately sends goes on to table 3 (band "allowed source");
/// anything else from the port is dropped (band "port drop"), above l2's pass-through.
/// </summary>
public static class PortSecurityFlows
{
    public const ushort EthIpv4 = Dragonflow.Model.EtherTypes.Ipv4, EthArp = Dragonflow.Model.EtherTypes.Arp, EthIpv6 = Dragonflow.Model.EtherTypes.Ipv6;
    private const byte Udp = Dragonflow.Model.IpProtocols.Udp, Icmpv6 = Dragonflow.Model.IpProtocols.Icmpv6;

    /// <summary>ICMPv6 a host sends from "::" before it has an address: router solicitation (RFC 4861 §6.3.7),
    /// the DAD neighbour solicitation (RFC 4862 §5.4.2), the MLDv2 report (RFC 3810 §5.2.13).</summary>
    public static readonly IReadOnlyList<byte> UnspecifiedSourceIcmpv6 = [133, 135, 143];

    /// <summary>ICMPv6 router advertisement (RFC 4861 §4.2): a VM is no router, whatever address it sends from.</summary>
    public const byte RouterAdvertisement = 134;

    /// <summary>The priority bands of portsec (all in table 1).</summary>
    public static class Bands
    {
        public static readonly PriorityBand PortDrop = PriorityBand.At(Tables.EgressPortSecurity, "port drop", Priorities.Medium);

        public static readonly PriorityBand AllowedSource = PriorityBand.At(Tables.EgressPortSecurity, "allowed source", Priorities.High);

        /// <summary>Above the allowed sources: what a VM may never send, whatever its address.</summary>
        public static readonly PriorityBand Forbidden = PriorityBand.At(Tables.EgressPortSecurity, "never from a VM", Priorities.VeryHigh);

        public static IReadOnlyList<PriorityBand> All { get; } = [PortDrop, AllowedSource, Forbidden];
    }

    private static readonly InstructionSet Pass = InstructionSet.Of(Instruction.Goto(Tables.EgressConntrack));

    /// <summary>
    /// The flows for port key <paramref name="portKey"/> whose own MAC is <paramref name="mac"/>,
    /// allowed to send from <paramref name="sources"/> (its fixed IPs and its allowed address pairs).
    /// </summary>
    public static IReadOnlyList<DesiredFlow> For(uint portKey, MacAddress mac, IEnumerable<AllowedSource> sources)
    {
        var list = sources.ToList();
        var port = MatchField.Register(Registers.SourcePort, portKey);
        var flows = new List<DesiredFlow>
        {
            new(Tables.EgressPortSecurity, Bands.PortDrop.Priority, Match.Of(port), InstructionSet.Drop),
            new(Tables.EgressPortSecurity, Bands.Forbidden.Priority,
                Match.Of(port, MatchField.EthType(EthIpv6), MatchField.IpProto(Icmpv6), MatchField.Exact(OxmFields.Icmpv6Type, RouterAdvertisement)),
                InstructionSet.Drop),
            // DHCP DISCOVER/REQUEST before the VM has its address (RFC 2131 §4.1: source 0.0.0.0).
            Allow(port, mac, MatchField.EthType(EthIpv4), MatchField.Ip(OxmFields.Ipv4Src, IPAddress.Any), MatchField.IpProto(Udp),
                MatchField.Exact(OxmFields.UdpSrc, 68), MatchField.Exact(OxmFields.UdpDst, 67)),
        };
        foreach (var m in list.Select(s => s.Mac).Prepend(mac).Distinct())
        {
            // ARP probe (RFC 5227 §2.1.1: sender IP 0.0.0.0) and IPv6 from the MAC's link-local address.
            flows.Add(Allow(port, m, MatchField.EthType(EthArp), MatchField.Exact(OxmFields.ArpSha, m.Value), MatchField.Ip(OxmFields.ArpSpa, IPAddress.Any)));
            flows.Add(Allow(port, m, MatchField.EthType(EthIpv6), MatchField.Ip(OxmFields.Ipv6Src, AllowedSource.LinkLocal(m))));
            foreach (var type in UnspecifiedSourceIcmpv6)
            {
                flows.Add(Allow(port, m, MatchField.EthType(EthIpv6), MatchField.Ip(OxmFields.Ipv6Src, IPAddress.IPv6Any),
                    MatchField.IpProto(Icmpv6), MatchField.Exact(OxmFields.Icmpv6Type, type)));
            }
        }
        foreach (var s in list)
        {
            if (s.IsIpv6)
            {
                flows.Add(Allow(port, s.Mac, MatchField.EthType(EthIpv6), MatchField.Ip(OxmFields.Ipv6Src, s.Address, Prefix(s, 128))));
                continue;
            }
            flows.Add(Allow(port, s.Mac, MatchField.EthType(EthIpv4), MatchField.Ip(OxmFields.Ipv4Src, s.Address, Prefix(s, 32))));
            flows.Add(Allow(port, s.Mac, MatchField.EthType(EthArp), MatchField.Exact(OxmFields.ArpSha, s.Mac.Value),
                MatchField.Ip(OxmFields.ArpSpa, s.Address, Prefix(s, 32))));
        }
        return flows;
    }

    private static int? Prefix(AllowedSource s, int full) => s.PrefixLength >= full ? null : s.PrefixLength;

    private static DesiredFlow Allow(MatchField port, MacAddress mac, params MatchField[] fields) =>
        new(Tables.EgressPortSecurity, Bands.AllowedSource.Priority, Match.Of([port, MatchField.EthSrc(mac), .. fields]), Pass);
}
