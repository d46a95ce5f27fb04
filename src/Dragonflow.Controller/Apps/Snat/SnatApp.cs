using System.Net;
using Dragonflow.Controller.Apps.Dnat;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Packets.Arp;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps.Snat;

/// <summary>
/// SNAT through gateway chassis. A router with an external gateway has a list of gateway
/// chassis (<see cref="GatewaySchedule"/>, computed from NB alike everywhere). Every chassis
/// sends the router's outbound traffic that nothing else routed (no floating IP, not inside
/// the tenant) over per-gateway BFD tunnels to the first gateway of the list that the switch
/// considers alive; the gateways of the list all stand ready (SNAT flows, the next hop's MAC
/// learned by ARP), so whichever gets the traffic SNATs it with conntrack and sends it out of
/// its external bridge, and takes the replies back. Failover is the switch's: no controller
/// is involved when a gateway dies, and connections it carried break (their conntrack state
/// stayed there).
///
/// The next hop's MAC is asked with an ARP probe (sender address 0.0.0.0, from this chassis'
/// own MAC) so the asking never rewrites the neighbour's entry for the router's address.
///
/// Owners: the router (its flows), the concerns "external-patch" (table 0 classifier) and
/// "next-hops" (the ARP-reply learners).
/// </summary>
public sealed class SnatApp(ChassisContext context) : ControllerApp(context)
{
    public static readonly AppId AppId = new(10, "snat");

    private static readonly FlowOwner ExternalPatchOwner = FlowOwner.Concern("external-patch");
    private static readonly FlowOwner NextHopsOwner = FlowOwner.Concern("next-hops");

    private readonly ExternalNetwork _external = ExternalNetwork.Of(context);
    private readonly ExternalGateways _nextHops = new();
    private readonly MacAddress _chassisMac = Provider.RoutedSourceMac.Of(context.Host);

    /// <summary>Routers this chassis is a gateway of, with their view (the next hops to learn come from them).</summary>
    private readonly Dictionary<string, SnatRouter> _served = new(StringComparer.Ordinal);

    /// <summary>Routers whose missing gateway chassis was logged, so it is logged once.</summary>
    private readonly HashSet<string> _unscheduled = new(StringComparer.Ordinal);

    public override AppContract Contract { get; } = new(AppId, SnatFlows.Bands.All);

    public override IReadOnlyList<ChassisNeed> Needs => [_external.Bridge];

    public override AppEvents Handles => AppEvents.Router | AppEvents.Port | AppEvents.Network | AppEvents.PacketIn | AppEvents.Timer;

    /// <summary>The routers this chassis stands ready to SNAT for (for tests and diagnostics).</summary>
    public IReadOnlyCollection<string> ServedRouters => _served.Keys;

    public override void Start() => ComputeShared();

    public override void OnBridgePortsChanged()
    {
        RecomputeAll();
        ComputeShared();
    }

    public override void OnRouterChanged(string routerId)
    {
        Compute(routerId);
        ComputeShared();
    }

    // A port of a router's network came or went (table 32 routes to it), or a router's gateway port changed.
    public override void OnPortChanged(string portId)
    {
        if (!Context.Nb.Ports.TryGetValue(portId, out var port))
        {
            RecomputeAll();
            ComputeShared();
            return;
        }
        var routers = Context.Nb.RoutersOfNetwork(port.Lswitch).ToHashSet(StringComparer.Ordinal);
        routers.UnionWith(Context.Nb.Routers.Values.Where(r => r.ExternalGatewayInfo?.PortId == portId).Select(r => r.Id));
        if (routers.Count == 0) return;
        foreach (var id in routers) Compute(id);
        ComputeShared();
    }

    public override void OnNetworkChanged(string networkId)
    {
        var routers = Context.Nb.RoutersOfNetwork(networkId).ToHashSet(StringComparer.Ordinal);
        routers.UnionWith(Context.Nb.Routers.Values.Where(r => r.ExternalGatewayInfo?.NetworkId == networkId).Select(r => r.Id));
        foreach (var id in routers) Compute(id);
        if (routers.Count > 0) ComputeShared();
    }

    public override void OnPacketIn(PacketInData packet)
    {
        if (packet.Table != Pipeline.Tables.IngressNat) return;
        if (ArpPacket.TryParse(packet.Frame) is not { Operation: ArpPacket.Reply } arp) return;
        if (!_served.Values.Any(r => arp.SenderIp.Equals(r.NextHop))) return;
        if (!_nextHops.Learn(arp.SenderIp, arp.SenderMac)) return;
        Context.Logger.LogInformation("SNAT next hop {NextHop} is at {Mac}", arp.SenderIp, arp.SenderMac);
        foreach (var id in _served.Where(kv => arp.SenderIp.Equals(kv.Value.NextHop)).Select(kv => kv.Key).ToList()) Compute(id);
    }

    public override void OnTimer()
    {
        if (_external.Patch is not { } patch) return;
        var inUse = _served.Values.Select(r => r.NextHop).OfType<IPAddress>().Distinct();
        foreach (var nextHop in _nextHops.Due(inUse, Context.Clock()))
            Context.SendPacketOut(patch, ArpPacket.RequestFor(nextHop, _chassisMac, IPAddress.Any).ToFrame());
    }

    private void RecomputeAll()
    {
        foreach (var id in Context.Nb.Routers.Keys.Union(_served.Keys).ToList()) Compute(id);
    }

    private void Compute(string routerId)
    {
        var owner = FlowOwner.Router(routerId);
        var view = Context.Nb.Routers.TryGetValue(routerId, out var router) ? SnatRouter.Resolve(Context, router) : null;
        if (view is null || view.Schedule.Count == 0)
        {
            if (view is not null && _unscheduled.Add(routerId))
                Context.Logger.LogWarning("router {RouterId} has an external gateway but no gateway chassis (none has enable_chassis_as_gateway{Physnet}); its outbound traffic is dropped",
                    routerId, view.PhysicalNetwork is { Length: > 0 } p ? $" and a mapping for {p}" : "");
            if (view is null) _unscheduled.Remove(routerId);
            _served.Remove(routerId);
            Clear(owner);
            return;
        }
        _unscheduled.Remove(routerId);
        var flows = new List<DesiredFlow>();
        var position = IndexOf(view.Schedule, Context.Host);
        var servesHere = position >= 0 && _external.Patch is not null && ReachesExternal(view);
        if (servesHere) _served[routerId] = view;
        else _served.Remove(routerId);

        foreach (var i in view.Interfaces)
        {
            if (!Context.Nb.Networks.TryGetValue(i.NetworkId, out var network) || PortView.NetworkKeys(network) is not { } keys) continue;
            if (position == 0 && servesHere)
            {
                flows.Add(SnatFlows.SnatHere(i));
                continue;
            }
            // Above this chassis in the list (all of it when it is none of the router's gateways).
            var above = position < 0 ? view.Schedule : view.Schedule.Take(position);
            var tunnels = above.Select(TunnelTo).OfType<ushort>().ToList();
            if (tunnels.Count > 0) flows.Add(SnatFlows.ToGateway(i, keys.Segment, tunnels));
        }
        if (servesHere) flows.AddRange(GatewayFlows(view));
        Set(owner, flows);
    }

    /// <summary>The flows of a gateway of the router: from the tunnels, SNAT, ARP for its address, replies back to the VMs.</summary>
    private IEnumerable<DesiredFlow> GatewayFlows(SnatRouter r)
    {
        var patch = _external.Patch!.Value;
        foreach (var flow in SnatFlows.FromExternalBridge(r, patch)) yield return flow;
        yield return SnatFlows.GatewayArp(r, _chassisMac);
        if (r.Snat) yield return SnatFlows.Reply(r);
        var nextHopMac = r.NextHop is { } hop ? _nextHops.MacOf(hop) : null;
        foreach (var i in r.Interfaces)
        {
            if (!Context.Nb.Networks.TryGetValue(i.NetworkId, out var network) || PortView.NetworkKeys(network) is not { } keys) continue;
            foreach (var tunnel in Context.Bridge.IngressTunnels) yield return SnatFlows.FromTunnel(tunnel, i, keys.Segment);
            if (nextHopMac is { } mac) yield return SnatFlows.Snat(r, i, mac, patch);
            if (!r.Snat) yield return SnatFlows.Inbound(r, i);
            foreach (var portId in Context.Nb.PortsOfNetwork(i.NetworkId).Order(StringComparer.Ordinal))
            {
                if (!Context.Nb.Ports.TryGetValue(portId, out var port) || port.DeviceOwner.StartsWith(DeviceOwners.NetworkPrefix, StringComparison.Ordinal))
                    continue;
                if (PortView.Resolve(Context, portId) is not { } vm) continue;
                foreach (var address in vm.Ipv4.Where(i.Contains)) yield return SnatFlows.ToVm(r, i, vm, address);
            }
        }
    }

    /// <summary>True if this chassis' external bridge reaches the router's external network.</summary>
    private bool ReachesExternal(SnatRouter r) => string.IsNullOrEmpty(r.PhysicalNetwork) || _external.PhysicalNetworks.Contains(r.PhysicalNetwork);

    /// <summary>The ofport of the BFD tunnel to a chassis (the bundle takes OpenFlow 1.0 port numbers); null while there is none.</summary>
    private ushort? TunnelTo(string chassisId)
    {
        if (!Context.Nb.Chassis.TryGetValue(chassisId, out var chassis) || GatewayTunnel.Endpoint(chassis.Ip) is not { } ip) return null;
        return Context.Bridge.GatewayTunnels.TryGetValue(ip.ToString(), out var ofport) && ofport <= ushort.MaxValue ? (ushort)ofport : null;
    }

    private static int IndexOf(IReadOnlyList<string> list, string item)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] == item) return i;
        return -1;
    }

    /// <summary>The classifier of ARP replies to this chassis from the external bridge and one ARP-reply learner per next hop in use.</summary>
    private void ComputeShared()
    {
        if (_external.Patch is { } patch && _served.Count > 0) Set(ExternalPatchOwner, [SnatFlows.ArpRepliesToChassis(_chassisMac, patch)]);
        else Clear(ExternalPatchOwner);
        Set(NextHopsOwner, _served.Values.Select(r => r.NextHop).OfType<IPAddress>().Distinct()
            .Select(hop => SnatFlows.LearnNextHop(hop, _chassisMac)).ToList());
    }
}
