using System.Net;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Packets.Arp;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Topology;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps.Dnat;

/// <summary>
/// Distributed floating IPs: every chassis NATs for the VMs plugged into it, through its own
/// external bridge ([df] external_bridge, patched to br-int: the app declares it in
/// <see cref="Needs"/> and the host creates it). Nothing is centralised: a floating IP of a VM on another
/// chassis has no flows here, and this chassis does not answer ARP for it.
///
/// The external gateway's MAC (the next hop of outbound traffic) is learned by ARP: the app
/// asks from one of its floating IPs (packet-out through the patch port) on the next tick
/// after the gateway is first needed, retries until it is answered and refreshes it
/// periodically; replies come back as packet-ins from table 15. When a floating IP becomes
/// local (associated, or moved here) a gratuitous ARP tells the external network's switches
/// and neighbours where it now lives.
///
/// Owners: the floating IP (its flows), the concerns "external-patch" (table 0 classifier) and
/// "gateways" (the ARP-reply learners).
/// </summary>
public sealed class DnatApp(ChassisContext context) : ControllerApp(context)
{
    public static readonly AppId AppId = new(6, "dnat");

    private static readonly FlowOwner ExternalPatchOwner = FlowOwner.Concern("external-patch");
    private static readonly FlowOwner GatewaysOwner = FlowOwner.Concern("gateways");

    private readonly ExternalNetwork _external = ExternalNetwork.Of(context);

    private readonly Dictionary<string, FloatingIpView> _local = new(StringComparer.Ordinal);

    /// <summary>Floating IPs of VMs plugged here that do not resolve yet (a network, subnet or router missing).</summary>
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);
    private readonly ExternalGateways _gateways = new();

    public override AppContract Contract { get; } = new(AppId, DnatFlows.Bands.All);

    public override IReadOnlyList<ChassisNeed> Needs => [_external.Bridge];

    public override AppEvents Handles =>
        AppEvents.FloatingIp | AppEvents.Port | AppEvents.Network | AppEvents.Router | AppEvents.PacketIn | AppEvents.Timer;

    /// <summary>The floating IPs NATed here (for tests and diagnostics).</summary>
    public IReadOnlyCollection<string> LocalFloatingIps => _local.Keys;

    /// <summary>ARP requests and gratuitous ARPs sent (for tests and diagnostics).</summary>
    public long ArpRequestsSent { get; private set; }

    public override void Start()
    {
        if (_external.PhysicalNetworks.Count == 0)
            Context.Logger.LogWarning("bridge_mappings maps no physical network to {Bridge}: only external networks without a physical network are NATed",
                _external.Bridge.Bridge);
        ComputeShared();
    }

    /// <summary>The patch to the external bridge appeared, changed or went: every floating IP here depends on it.</summary>
    public override void OnBridgePortsChanged()
    {
        foreach (var id in Context.Nb.FloatingIps.Keys.ToList()) Compute(id);
        ComputeShared();
    }

    public override void OnFloatingIpChanged(string floatingIpId)
    {
        Compute(floatingIpId);
        ComputeShared();
    }

    public override void OnPortChanged(string portId)
    {
        var affected = Context.Nb.FloatingIpsOfPort(portId).ToHashSet(StringComparer.Ordinal);
        affected.UnionWith(_local.Values.Where(v => v.Vm.Port.Id == portId).Select(v => v.Id));
        if (affected.Count == 0) return;
        foreach (var id in affected) Compute(id);
        ComputeShared();
    }

    // A network (key, subnet gateway) or router (interface MAC) change may touch any floating
    // IP of this chassis; only those (NATed here, or of a VM here and waiting) are looked at,
    // so a chassis without floating IPs pays nothing.
    public override void OnNetworkChanged(string networkId) => RecomputeLocal();

    public override void OnRouterChanged(string routerId) => RecomputeLocal();

    public override void OnPacketIn(PacketInData packet)
    {
        if (packet.Table != Pipeline.Tables.IngressNat) return;
        if (ArpPacket.TryParse(packet.Frame) is not { Operation: ArpPacket.Reply } arp)
        {
            Context.Logger.LogDebug("dnat packet-in that is no ARP reply ({Length} bytes) dropped", packet.Frame.Length);
            return;
        }
        if (!_local.Values.Any(v => arp.SenderIp.Equals(v.GatewayIp))) return; // not a gateway we use
        if (!_gateways.Learn(arp.SenderIp, arp.SenderMac)) return;
        Context.Logger.LogInformation("external gateway {Gateway} is at {Mac}", arp.SenderIp, arp.SenderMac);
        foreach (var id in _local.Where(kv => arp.SenderIp.Equals(kv.Value.GatewayIp)).Select(kv => kv.Key).ToList()) Compute(id);
    }

    public override void OnTimer()
    {
        if (_external.Patch is not { } patch) return;
        var senders = Senders();
        foreach (var gateway in _gateways.Due(senders.Keys, Context.Clock()))
        {
            var from = senders[gateway];
            Context.SendPacketOut(patch, ArpPacket.RequestFor(gateway, from.Mac, from.Address).ToFrame());
            ArpRequestsSent++;
        }
    }

    /// <summary>Only while a gateway in use is due to be asked: an idle chassis without floating IPs is not woken.</summary>
    public override TimeSpan? NextTimer(TimeSpan now) => _external.Patch is null ? null : _gateways.NextDue(Senders().Keys);

    /// <summary>Per gateway in use, the floating IP that asks for it (the same one each time: the first by id).</summary>
    private Dictionary<IPAddress, FloatingIpView> Senders()
    {
        var senders = new Dictionary<IPAddress, FloatingIpView>();
        foreach (var v in _local.Values.OrderBy(v => v.Id, StringComparer.Ordinal))
        {
            if (v.GatewayIp is { } g) senders.TryAdd(g, v);
        }
        return senders;
    }

    private void RecomputeLocal()
    {
        if (_local.Count == 0 && _waiting.Count == 0) return;
        var ids = _local.Keys.ToHashSet(StringComparer.Ordinal);
        ids.UnionWith(_waiting);
        foreach (var id in ids) Compute(id);
        ComputeShared();
    }

    private void Compute(string id)
    {
        var owner = FlowOwner.FloatingIp(id);
        var view = Context.Nb.FloatingIps.TryGetValue(id, out var fip) ? FloatingIpView.Resolve(Context, _external, fip) : null;
        if (view is null || _external.Patch is not { } patch)
        {
            if (fip?.Lport is { } vm && Context.IsLocal(vm)) _waiting.Add(id);
            else _waiting.Remove(id);
            if (_local.Remove(id)) Context.Logger.LogInformation("floating IP {Fip} no longer NATed here", id);
            Clear(owner);
            return;
        }
        _waiting.Remove(id);
        _local.TryGetValue(id, out var before);
        _local[id] = view;
        var flows = new List<DesiredFlow> { DnatFlows.ArpResponder(view), DnatFlows.Ingress(view), DnatFlows.ToEgressNat(view) };
        var gatewayMac = view.GatewayIp is { } g ? _gateways.MacOf(g) ?? view.ConfiguredGatewayMac : null;
        if (gatewayMac is { } mac) flows.Add(DnatFlows.Egress(view, mac, patch));
        Set(owner, flows);
        if (before is null || before.Vm.Key != view.Vm.Key || !before.Address.Equals(view.Address) || before.Mac != view.Mac)
        {
            Context.Logger.LogInformation("floating IP {Fip} ({Address}) NATed here to {Vm} ({Fixed})", id, view.Address, view.Vm.Port.Id, view.FixedIp);
            Context.SendPacketOut(patch, ArpPacket.Gratuitous(view.Mac, view.Address).ToFrame());
            ArpRequestsSent++;
            if (view.GatewayIp is { } gw && gatewayMac is null) _gateways.AskSoon(gw);
        }
    }

    /// <summary>The chassis-wide flows: the classifier from the patch port and one ARP-reply learner per gateway in use.</summary>
    private void ComputeShared()
    {
        if (_external.Patch is { } patch) Set(ExternalPatchOwner, [DnatFlows.FromExternalBridge(patch)]);
        else Clear(ExternalPatchOwner);
        Set(GatewaysOwner, _local.Values.Select(v => v.GatewayIp).OfType<IPAddress>().Distinct().Select(DnatFlows.LearnGateway).ToList());
    }
}
