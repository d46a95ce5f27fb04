using Dragonflow.Controller.Apps;
using Dragonflow.Ovsdb.Vswitch;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// The external bridge (dnat) and the periodic tick. With dnat in apps_list, start-up makes
/// sure [df] external_bridge exists (same datapath type as br-int; its fail mode is left to
/// OVS's default, standalone, so it switches like the physical segment it stands for) and is
/// joined to br-int by a patch port pair. Only the bridge and the two patch ports are ours:
/// the operator's uplink and any other port on the external bridge are never touched.
/// </summary>
public sealed partial class LocalController
{
    /// <summary>How often apps that handle <see cref="AppEvents.Timer"/> get a tick.</summary>
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    /// <summary>br-int's end of the patch to the external bridge (Neutron's naming; at most 15 characters).</summary>
    public static string IntegrationPatchName(string externalBridge) => Truncate("int-" + externalBridge);

    /// <summary>The external bridge's end of the patch to br-int.</summary>
    public static string ExternalPatchName(string externalBridge) => Truncate("phy-" + externalBridge);

    private static string Truncate(string name) => name.Length <= 15 ? name : name[..15];

    /// <summary>The physical networks that bridge_mappings ("physnet:bridge", …) maps to the external bridge.</summary>
    public static IReadOnlySet<string> ExternalPhysicalNetworks(ControllerOptions o)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mapping in o.BridgeMappings)
        {
            if (mapping.Split(':') is [var physnet, var bridge] && bridge.Trim() == o.ExternalBridge && physnet.Trim().Length > 0)
                set.Add(physnet.Trim());
        }
        return set;
    }

    private async Task EnsureExternalBridgeAsync(OpenVSwitchDatabase vswitch, CancellationToken ct)
    {
        var o = _options;
        var inside = IntegrationPatchName(o.ExternalBridge);
        var outside = ExternalPatchName(o.ExternalBridge);
        await vswitch.EnsureBridgeAsync(new BridgeSpec(o.ExternalBridge) { DatapathType = o.DatapathType }, ct);
        await vswitch.EnsurePortAsync(PortSpec.Patch(o.IntegrationBridge, inside, outside), ct);
        await vswitch.EnsurePortAsync(PortSpec.Patch(o.ExternalBridge, outside, inside), ct);
        if (ExternalPhysicalNetworks(o).Count == 0)
            _log.LogWarning("bridge_mappings maps no physical network to {Bridge}: only external networks without a physical network are NATed", o.ExternalBridge);
    }

    /// <summary>True if the interface is br-int's patch to the external bridge (then it is recorded here and nowhere else).</summary>
    private bool ApplyExternalPatch(InterfaceEvent e)
    {
        if (e.Interface.Name != IntegrationPatchName(_options.ExternalBridge) || e.Interface.Type != "patch") return false;
        uint? ofport = e.Kind == InterfaceEventKind.Removed || !e.Interface.HasOfport ? null : (uint)e.Interface.Ofport!.Value;
        if (_bridge.SetExternalPatch(ofport))
        {
            _log.LogInformation("patch to {Bridge} is ofport {Ofport}", _options.ExternalBridge, ofport?.ToString() ?? "(none)");
            RecomputeAll();
        }
        return true;
    }

    private void FloatingIpChanged(string floatingIpId)
    {
        foreach (var app in _apps)
            if (app.Handles.HasFlag(AppEvents.FloatingIp)) app.OnFloatingIpChanged(floatingIpId);
    }

    private void Tick()
    {
        foreach (var app in _apps)
            if (app.Handles.HasFlag(AppEvents.Timer)) app.OnTimer();
    }

    private async Task TickAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await DelayAsync(TickInterval, ct);
            if (!ct.IsCancellationRequested) Post(new TimerTick());
        }
    }
}

/// <summary>The periodic tick for apps that retry or refresh something (e.g. dnat's gateway ARP).</summary>
internal sealed record TimerTick : WorkItem;
