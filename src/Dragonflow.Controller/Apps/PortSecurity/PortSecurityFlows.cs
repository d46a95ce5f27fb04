using System.Net;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.PortSecurity;

/// <summary>
/// The anti-spoofing flows, in two stages keyed on reg6 (the source port key table 0 wrote).
/// Table 1: a port's own MACs go on to table 2, a port without port security straight to table 3,
/// anything else is dropped by one chassis-wide flow. Table 2: from a MAC that passed, the
/// port's addresses for that MAC; what a host sends before it has an address (DHCP from 0.0.0.0,
/// router and neighbour solicitations and MLD reports from ::) is chassis-wide, since the MAC was
/// checked already; router advertisements are never from a VM; the rest is dropped.
/// Splitting the MAC from the address check makes the chassis-wide flows possible: a port adds
/// one flow per MAC in table 1 and, in table 2, two per address (IP, ARP) and two per MAC (ARP
/// probe, IPv6 link-local).
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

    /// <summary>The priority bands of portsec, table by table.</summary>
    public static class Bands
    {
        /// <summary>Table 1, chassis-wide: whatever no port's MAC flow took.</summary>
        public static readonly PriorityBand MacDrop = PriorityBand.At(Tables.EgressPortSecurity, "not the port's MAC", Priorities.Low);

        /// <summary>Table 1: a port without port security, on to table 3 (a port has either these or its MACs).</summary>
        public static readonly PriorityBand Unprotected = PriorityBand.At(Tables.EgressPortSecurity, "port without port security", Priorities.Medium);

        public static readonly PriorityBand OwnMac = PriorityBand.At(Tables.EgressPortSecurity, "the port's MAC", Priorities.High);

        /// <summary>Table 2, chassis-wide: an address no allowed-source flow took.</summary>
        public static readonly PriorityBand AddressDrop = PriorityBand.At(Tables.EgressSourceAddress, "not the port's address", Priorities.Low);

        public static readonly PriorityBand AllowedSource = PriorityBand.At(Tables.EgressSourceAddress, "allowed source", Priorities.High);

        /// <summary>Above the allowed sources: what a VM may never send, whatever its address.</summary>
        public static readonly PriorityBand Forbidden = PriorityBand.At(Tables.EgressSourceAddress, "never from a VM", Priorities.VeryHigh);

        public static IReadOnlyList<PriorityBand> All { get; } = [MacDrop, OwnMac, Unprotected, AddressDrop, AllowedSource, Forbidden];
    }

    private static readonly InstructionSet ToAddressCheck = InstructionSet.Of(Instruction.Goto(Tables.EgressSourceAddress));
    private static readonly InstructionSet Pass = InstructionSet.Of(Instruction.Goto(Tables.EgressConntrack));

    /// <summary>The chassis-wide flows: the two drops, what a host sends before it has an address, and the router advertisement ban.</summary>
    public static IReadOnlyList<DesiredFlow> Pipeline()
    {
        var flows = new List<DesiredFlow>
        {
            new(Tables.EgressPortSecurity, Bands.MacDrop.Priority, Match.All, InstructionSet.Drop),
            new(Tables.EgressSourceAddress, Bands.AddressDrop.Priority, Match.All, InstructionSet.Drop),
            new(Tables.EgressSourceAddress, Bands.Forbidden.Priority,
                Match.Of(MatchField.EthType(EthIpv6), MatchField.IpProto(Icmpv6), MatchField.Exact(OxmFields.Icmpv6Type, RouterAdvertisement)),
                InstructionSet.Drop),
            // DHCP DISCOVER/REQUEST before the VM has its address (RFC 2131 §4.1: source 0.0.0.0).
            new(Tables.EgressSourceAddress, Bands.AllowedSource.Priority,
                Match.Of(MatchField.EthType(EthIpv4), MatchField.Ip(OxmFields.Ipv4Src, IPAddress.Any), MatchField.IpProto(Udp),
                    MatchField.Exact(OxmFields.UdpSrc, 68), MatchField.Exact(OxmFields.UdpDst, 67)), Pass),
        };
        foreach (var type in UnspecifiedSourceIcmpv6)
        {
            flows.Add(new(Tables.EgressSourceAddress, Bands.AllowedSource.Priority,
                Match.Of(MatchField.EthType(EthIpv6), MatchField.Ip(OxmFields.Ipv6Src, IPAddress.IPv6Any),
                    MatchField.IpProto(Icmpv6), MatchField.Exact(OxmFields.Icmpv6Type, type)), Pass));
        }
        return flows;
    }

    /// <summary>A local port with port_security_enabled=false: everything it sends goes on.</summary>
    public static DesiredFlow Unprotected(uint portKey) =>
        new(Tables.EgressPortSecurity, Bands.Unprotected.Priority, Match.Of(MatchField.Register(Registers.SourcePort, portKey)), Pass);

    /// <summary>
    /// The flows for port key <paramref name="portKey"/> whose own MAC is <paramref name="mac"/>,
    /// allowed to send from <paramref name="sources"/> (its fixed IPs and its allowed address pairs).
    /// </summary>
    public static IReadOnlyList<DesiredFlow> For(uint portKey, MacAddress mac, IEnumerable<AllowedSource> sources)
    {
        var list = sources.ToList();
        var port = MatchField.Register(Registers.SourcePort, portKey);
        var flows = new List<DesiredFlow>();
        foreach (var m in list.Select(s => s.Mac).Prepend(mac).Distinct())
        {
            flows.Add(new DesiredFlow(Tables.EgressPortSecurity, Bands.OwnMac.Priority, Match.Of(port, MatchField.EthSrc(m)), ToAddressCheck));
            // ARP probe (RFC 5227 §2.1.1: sender IP 0.0.0.0) and IPv6 from the MAC's link-local address.
            flows.Add(Allow(port, m, MatchField.EthType(EthArp), MatchField.Exact(OxmFields.ArpSha, m.Value), MatchField.Ip(OxmFields.ArpSpa, IPAddress.Any)));
            flows.Add(Allow(port, m, MatchField.EthType(EthIpv6), MatchField.Ip(OxmFields.Ipv6Src, AllowedSource.LinkLocal(m))));
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
        new(Tables.EgressSourceAddress, Bands.AllowedSource.Priority, Match.Of([port, MatchField.EthSrc(mac), .. fields]), Pass);
}
