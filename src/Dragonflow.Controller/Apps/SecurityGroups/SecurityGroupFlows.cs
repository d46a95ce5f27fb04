using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.SecurityGroups;

/// <summary>
/// The security group flows, as pure functions. A connection is checked where it
/// starts, in the conntrack zone of its network (metadata[0..15]):
///
/// <list type="bullet">
/// <item>tables 3/72, chassis-wide: IP and IPv6 go through conntrack and come back in 6/77;
/// DHCP and neighbour discovery skip it (goto 9/78); a port without port security skips it too,
/// and a port whose groups are all stateless is not tracked (one flow per port and direction
/// each);</item>
/// <item>tables 6/77, band "connection state": invalid is dropped; replies (established, reply
/// direction) and related packets pass;</item>
/// <item>everything else from the originator — new packets and the later ones of a connection
/// alike — is a conjunction per group: clause 1 "the port is in the group" (one flow per port),
/// clause 2 "a rule of the group matches" (one flow per rule match); the conj_id flow commits
/// the connection and goes on. Flows thus grow as ports + rules, never ports × rules;</item>
/// <item>what no rule allows falls to the chassis-wide drop of IP and IPv6 (band "drop").</item>
/// </list>
///
/// A port with port security and stateful groups thus adds only its membership clauses. Only
/// local ports reach these tables (table 0 and table 64 lead here for them alone).
///
/// Why the originator's established packets are checked again instead of passing as +est:
/// a removed rule, or a member leaving a remote group, then stops the connections it allowed
/// at its next packet, and a zone shared by two VMs on one chassis can never let
/// a packet the receiver's rules refuse pass as "established" because the sender's egress
/// committed it (conntrack implementations differ on when a connection without replies counts
/// as established). Replies and related packets are what conntrack is trusted with.
/// </summary>
public static class SecurityGroupFlows
{
    /// <summary>The priority bands of sg: the same in each direction.</summary>
    public static class Bands
    {
        public static IReadOnlyList<PriorityBand> All { get; } = [.. Of(Egress), .. Of(Ingress)];

        /// <summary>A port without port security: nothing of sg applies to it.</summary>
        public static PriorityBand Unprotected(Direction d) => PriorityBand.At(d.ConntrackTable, "port without port security", Priorities.VeryHigh);

        /// <summary>DHCP and neighbour discovery skip conntrack, above the stateless ports and the conntrack flows.</summary>
        public static PriorityBand Skip(Direction d) => PriorityBand.At(d.ConntrackTable, "DHCP and ND skip conntrack", Priorities.High);

        /// <summary>A port whose groups are all stateless: not tracked, above the chassis-wide conntrack.</summary>
        public static PriorityBand Untracked(Direction d) => PriorityBand.At(d.ConntrackTable, "stateless port", Priorities.Medium + 50);

        public static PriorityBand Track(Direction d) => PriorityBand.At(d.ConntrackTable, "conntrack", Priorities.Medium);

        /// <summary>Just below the top priority (65535): checked before any rule.</summary>
        public static PriorityBand ConnectionState(Direction d) => PriorityBand.At(d.SecurityTable, "connection state", 65534);

        /// <summary>Membership, rule clauses and their conjunctions.</summary>
        public static PriorityBand Rules(Direction d) => PriorityBand.At(d.SecurityTable, "rules", Priorities.Medium);

        public static PriorityBand Drop(Direction d) => PriorityBand.At(d.SecurityTable, "drop", Priorities.Low);

        private static IEnumerable<PriorityBand> Of(Direction d) => [Unprotected(d), Skip(d), Untracked(d), Track(d), ConnectionState(d), Rules(d), Drop(d)];
    }

    /// <summary>The conntrack zone: the network key, which table 0 put in metadata.</summary>
    public static readonly Subfield Zone = new(OxmFields.Metadata, 0, 16);

    private static readonly MatchField Ipv4 = MatchField.EthType(RuleMatches.Ipv4);
    private static readonly MatchField Ipv6 = MatchField.EthType(RuleMatches.Ipv6);

    /// <summary>ICMPv6 a port may send without any rule: MLD (130-132, 143), router solicitation, neighbour solicitation/advertisement.</summary>
    private static readonly byte[] EgressIcmpv6 = [130, 131, 132, 133, 135, 136, 143];

    /// <summary>ICMPv6 a port may receive without any rule: the above and router advertisements (134).</summary>
    private static readonly byte[] IngressIcmpv6 = [130, 131, 132, 133, 134, 135, 136, 143];

    /// <summary>One direction of the pipeline: tables, the register naming the port, where allowed packets go.</summary>
    public sealed record Direction(string Name, byte ConntrackTable, byte SecurityTable, byte Next, int PortRegister);

    public static readonly Direction Egress = new("egress", Tables.EgressConntrack, Tables.EgressSecurityGroup,
        Tables.ServicesClassification, Registers.SourcePort);

    public static readonly Direction Ingress = new("ingress", Tables.IngressConntrack, Tables.IngressSecurityGroup,
        Tables.IngressDispatch, Registers.DestinationPort);

    public static Direction Of(bool ingress) => ingress ? Ingress : Egress;

    /// <summary>
    /// The chassis-wide flows: IP and IPv6 through conntrack, DHCP and neighbour discovery past
    /// it and the rules, the connection state flows of tables 6 and 77, and the drop of what no
    /// rule allowed.
    /// </summary>
    public static IReadOnlyList<DesiredFlow> Pipeline()
    {
        var flows = new List<DesiredFlow>();
        foreach (var d in new[] { Egress, Ingress })
        {
            var skip = InstructionSet.Of(Instruction.Goto(d.Next));
            var egress = d == Egress;
            // DHCP: client 68 -> server 67 (v6: 546 -> 547) out of a VM, the reverse into it.
            flows.Add(new DesiredFlow(d.ConntrackTable, Bands.Skip(d).Priority,
                Match.Of(Ipv4, MatchField.IpProto(17), Udp(OxmFields.UdpSrc, egress ? 68 : 67), Udp(OxmFields.UdpDst, egress ? 67 : 68)), skip));
            flows.Add(new DesiredFlow(d.ConntrackTable, Bands.Skip(d).Priority,
                Match.Of(Ipv6, MatchField.IpProto(17), Udp(OxmFields.UdpSrc, egress ? 546 : 547), Udp(OxmFields.UdpDst, egress ? 547 : 546)), skip));
            foreach (var type in egress ? EgressIcmpv6 : IngressIcmpv6)
            {
                flows.Add(new DesiredFlow(d.ConntrackTable, Bands.Skip(d).Priority,
                    Match.Of(Ipv6, MatchField.IpProto(58), MatchField.Exact(OxmFields.Icmpv6Type, type)), skip));
            }
            foreach (var ip in new[] { Ipv4, Ipv6 })
            {
                flows.Add(new DesiredFlow(d.ConntrackTable, Bands.Track(d).Priority, Match.Of(ip),
                    InstructionSet.Apply([new Ct { ZoneSource = Zone, RecircTable = d.SecurityTable }])));
                flows.Add(new DesiredFlow(d.SecurityTable, Bands.Drop(d).Priority, Match.Of(ip), InstructionSet.Drop));
            }
            flows.Add(new DesiredFlow(d.SecurityTable, Bands.ConnectionState(d).Priority,
                Match.Of(MatchField.CtState(CtStateFlags.Tracked | CtStateFlags.Invalid, CtStateFlags.Tracked | CtStateFlags.Invalid)),
                InstructionSet.Drop));
            flows.Add(new DesiredFlow(d.SecurityTable, Bands.ConnectionState(d).Priority,
                Match.Of(MatchField.CtState(CtStateFlags.Tracked | CtStateFlags.Established | CtStateFlags.Reply,
                    CtStateFlags.Tracked | CtStateFlags.Established | CtStateFlags.Reply | CtStateFlags.Invalid)),
                InstructionSet.Of(Instruction.Goto(d.Next))));
            flows.Add(new DesiredFlow(d.SecurityTable, Bands.ConnectionState(d).Priority,
                Match.Of(MatchField.CtState(CtStateFlags.Tracked | CtStateFlags.Related, CtStateFlags.Tracked | CtStateFlags.Related | CtStateFlags.Invalid)),
                InstructionSet.Of(Instruction.Goto(d.Next))));
        }
        return flows;
    }

    /// <summary>A local port with port_security_enabled=false: past conntrack and the rules, both ways.</summary>
    public static IReadOnlyList<DesiredFlow> Unprotected(uint portKey) =>
        [.. new[] { Egress, Ingress }.Select(d => new DesiredFlow(d.ConntrackTable, Bands.Unprotected(d).Priority,
            Match.Of(MatchField.Register(d.PortRegister, portKey)), InstructionSet.Of(Instruction.Goto(d.Next))))];

    /// <summary>
    /// The flows of one local port with port security: its membership clause for each group (by
    /// conjunction id, i.e. the group's unique key) and, when all its groups are stateless, the
    /// flows that keep it out of conntrack. With no group, only DHCP and ND (see
    /// <see cref="Pipeline"/>) pass.
    /// </summary>
    public static IReadOnlyList<DesiredFlow> Port(uint portKey, IReadOnlyCollection<uint> groupKeys, bool stateful = true)
    {
        var flows = new List<DesiredFlow>();
        var ordered = groupKeys.Distinct().Order().ToList();
        foreach (var d in new[] { Egress, Ingress })
        {
            var port = MatchField.Register(d.PortRegister, portKey);
            if (!stateful)
            {
                // Stateless: no conntrack; on the way in, forget what the sender's zone said, or a
                // reply would pass as established without this port's rules.
                flows.Add(new DesiredFlow(d.ConntrackTable, Bands.Untracked(d).Priority, Match.Of(port),
                    d == Ingress
                        ? InstructionSet.Of(Instruction.Apply(new CtClear()), Instruction.Goto(d.SecurityTable))
                        : InstructionSet.Of(Instruction.Goto(d.SecurityTable))));
            }
            if (ordered.Count > 0)
            {
                flows.Add(new DesiredFlow(d.SecurityTable, Bands.Rules(d).Priority, Match.Of(port),
                    InstructionSet.Apply(ordered.Select(k => (OfAction)new Conjunction(k, 1, 2)).ToList())));
            }
        }
        return flows;
    }

    /// <summary>
    /// The conj_id flows of a group: a completed conjunction commits the connection and goes on
    /// (a stateless group just goes on: its replies need rules of their own).
    /// </summary>
    public static IReadOnlyList<DesiredFlow> Group(uint groupKey, bool stateful = true)
    {
        var flows = new List<DesiredFlow>();
        foreach (var d in new[] { Egress, Ingress })
        {
            foreach (var ip in new[] { Ipv4, Ipv6 })
            {
                // ct needs an IP match (OVS refuses it otherwise), hence one flow per ethertype.
                var go = Instruction.Goto(d.Next);
                flows.Add(new DesiredFlow(d.SecurityTable, Bands.Rules(d).Priority, Match.Of(ip, MatchField.ConjId(groupKey)),
                    stateful ? InstructionSet.Of(Instruction.Apply(new Ct { Flags = CtFlags.Commit, ZoneSource = Zone }), go) : InstructionSet.Of(go))
                {
                    CookieTag = groupKey & FlowCookie.MaxTag,
                });
            }
        }
        return flows;
    }

    /// <summary>A rule clause: the rule match, the second clause of every group (conj id) that has it.</summary>
    public static DesiredFlow RuleClause(byte table, Match match, IReadOnlyCollection<uint> groupKeys) =>
        new(table, Bands.Rules(table == Ingress.SecurityTable ? Ingress : Egress).Priority, match,
            InstructionSet.Apply(groupKeys.Order().Select(k => (OfAction)new Conjunction(k, 2, 2)).ToList()))
        {
            CookieTag = groupKeys.Min() & FlowCookie.MaxTag,
        };

    private static MatchField Udp(OxmField field, int port) => MatchField.Exact(field, (ulong)port);
}
