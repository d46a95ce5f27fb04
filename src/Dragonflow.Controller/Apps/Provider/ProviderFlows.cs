using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.Provider;

/// <summary>
/// The provider flows. Out: table 64 sends a remote port of a flat or VLAN network, and the
/// network's uplink (reg7 = <see cref="Registers.PhysicalUplink"/>: broadcast from l2's flood
/// and unknown unicast from table 17), out of the patch to the physical bridge, tagged with the
/// VLAN id for a VLAN network. In: table 0 takes frames from the patch by VLAN id (none for
/// flat), strips the tag and delivers unicast to a local port's MAC, and broadcast and
/// multicast to every local port of the network, at the ingress side (72) like the tunnels do;
/// anything else from the physical network is not for this chassis and is dropped.
/// </summary>
public static class ProviderFlows
{
    private static readonly MacAddress MulticastBit = new(0x0100_0000_0000UL);

    /// <summary>The priority bands of provider, table by table.</summary>
    public static class Bands
    {
        /// <summary>
        /// Table 0, from a physical bridge's patch: above the external bridge's catch-all (dnat,
        /// 100), which takes what no provider network of that bridge claims.
        /// </summary>
        public static readonly PriorityBand FromPhysicalNetwork = PriorityBand.At(Tables.IngressClassification, "from a physical network", Priorities.Medium + 50);

        /// <summary>Table 17, below every MAC the network knows: a unicast nobody here owns goes to the physical network.</summary>
        public static readonly PriorityBand UnknownUnicast = PriorityBand.At(Tables.L2Lookup, "unknown unicast to the physical network", Priorities.Low);

        public static readonly PriorityBand ToPhysicalNetwork = PriorityBand.At(Tables.Egress, "to the physical network", Priorities.Medium, SharedBy.DestinationPort);

        /// <summary>Table 64, above the port's own flow: a frame the router sent (from its interface's MAC) to a remote port.</summary>
        public static readonly PriorityBand RoutedToPhysicalNetwork = PriorityBand.At(Tables.Egress, "routed to the physical network", Priorities.Medium + 10);

        public static IReadOnlyList<PriorityBand> All { get; } = [FromPhysicalNetwork, UnknownUnicast, ToPhysicalNetwork, RoutedToPhysicalNetwork];
    }

    /// <summary>Table 64: a remote port of the segment (by reg7), out to the physical network.</summary>
    public static DesiredFlow ToRemotePort(PortView p, PhysicalSegment segment, uint patch) =>
        new(Tables.Egress, Bands.ToPhysicalNetwork.Priority, Match.Of(MatchField.Register(Registers.DestinationPort, p.Key)),
            InstructionSet.Apply(Out(segment, patch)));

    /// <summary>
    /// Table 64: a routed frame (source: the router interface's MAC <paramref name="routerMac"/>) to a
    /// remote port of the segment leaves from this chassis' own MAC (<see cref="RoutedSourceMac"/>).
    /// </summary>
    public static DesiredFlow RoutedToRemotePort(PortView p, MacAddress routerMac, MacAddress chassisMac, PhysicalSegment segment, uint patch) =>
        new(Tables.Egress, Bands.RoutedToPhysicalNetwork.Priority,
            Match.Of(MatchField.Register(Registers.DestinationPort, p.Key), MatchField.EthSrc(routerMac)),
            InstructionSet.Apply([new SetField(MatchField.EthSrc(chassisMac)), .. Out(segment, patch)]));

    /// <summary>Table 64: the network's uplink (reg7 = 0 with its metadata), out to the physical network.</summary>
    public static DesiredFlow ToUplink(ulong networkKey, PhysicalSegment segment, uint patch) =>
        new(Tables.Egress, Bands.ToPhysicalNetwork.Priority,
            Match.Of(MatchField.Metadata(networkKey), MatchField.Register(Registers.DestinationPort, Registers.PhysicalUplink)),
            InstructionSet.Apply(Out(segment, patch)));

    /// <summary>Table 17: a destination MAC the network does not know goes to the uplink.</summary>
    public static DesiredFlow UnknownUnicast(ulong networkKey) =>
        new(Tables.L2Lookup, Bands.UnknownUnicast.Priority, Match.Of(MatchField.Metadata(networkKey)),
            InstructionSet.Apply([new SetField(MatchField.Register(Registers.DestinationPort, Registers.PhysicalUplink))], Tables.Egress));

    /// <summary>Table 0: a frame of the segment from the physical bridge to a local port's MAC.</summary>
    public static DesiredFlow FromPhysicalToPort(PortView p, PhysicalSegment segment, uint patch) =>
        new(Tables.IngressClassification, Bands.FromPhysicalNetwork.Priority,
            Match.Of(MatchField.InPort(patch), MatchField.Exact(OxmFields.VlanVid, segment.Vid), MatchField.EthDst(p.Mac)),
            InstructionSet.Apply(
            [
                .. Untag(segment),
                new SetField(MatchField.Metadata(p.NetworkKey)),
                new SetField(MatchField.Register(Registers.DestinationPort, p.Key)),
            ], Tables.IngressConntrack));

    /// <summary>
    /// Table 0: broadcast and multicast of the segment from the physical bridge, to every local
    /// port of the network. On the external bridge (<paramref name="alsoExternal"/>: a flat network
    /// there) the frame is then offered to INGRESS_NAT as well, where dnat answers ARP for its
    /// floating IPs: this flow is above dnat's catch-all for the same frames.
    /// </summary>
    public static DesiredFlow FromPhysicalFlood(ulong networkKey, IEnumerable<PortView> localPorts, PhysicalSegment segment, uint patch, bool alsoExternal)
    {
        var actions = new List<OfAction>(Untag(segment)) { new SetField(MatchField.Metadata(networkKey)) };
        foreach (var local in localPorts)
        {
            actions.Add(new SetField(MatchField.Register(Registers.DestinationPort, local.Key)));
            actions.Add(Resubmit.ToTable(Tables.IngressConntrack));
        }
        if (alsoExternal) actions.Add(Resubmit.ToTable(Tables.IngressNat));
        return new DesiredFlow(Tables.IngressClassification, Bands.FromPhysicalNetwork.Priority,
            Match.Of(MatchField.InPort(patch), MatchField.Exact(OxmFields.VlanVid, segment.Vid), MatchField.EthDst(MulticastBit, MulticastBit)),
            InstructionSet.Apply(actions));
    }

    private static IReadOnlyList<OfAction> Untag(PhysicalSegment segment) => segment.VlanId is null ? [] : [new PopVlan()];

    private static IReadOnlyList<OfAction> Out(PhysicalSegment segment, uint patch) =>
        segment.VlanId is null
            ? [new Output(patch)]
            : [new PushVlan(), new SetField(MatchField.Exact(OxmFields.VlanVid, segment.Vid)), new Output(patch)];
}
