using Dragonflow.Controller.Topology;
using Dragonflow.Ovsdb.Vswitch;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// What apps need besides br-int (<see cref="Apps.ControllerApp.Needs"/>), and the periodic
/// tick. A patched bridge is made with the same datapath type as br-int; its fail mode is left
/// to OVS's default, standalone, so it switches like the physical segment it stands for. Only
/// the bridge and the two patch ports are ours: the operator's uplink and any other port on it
/// are never touched.
/// </summary>
public sealed partial class LocalController
{
    /// <summary>How often apps that handle <see cref="Apps.AppEvents.Timer"/> get a tick.</summary>
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    private async Task EnsurePatchedBridgeAsync(OpenVSwitchDatabase vswitch, PatchedBridge need, CancellationToken ct)
    {
        var o = _options;
        await vswitch.EnsureBridgeAsync(new BridgeSpec(need.Bridge) { DatapathType = o.DatapathType }, ct);
        await vswitch.EnsurePortAsync(PortSpec.Patch(o.IntegrationBridge, need.IntegrationPatch, need.BridgePatch), ct);
        await vswitch.EnsurePortAsync(PortSpec.Patch(need.Bridge, need.BridgePatch, need.IntegrationPatch), ct);
    }

    /// <summary>True if the interface is br-int's end of a patch an app needs (then it is recorded here and nowhere else).</summary>
    private bool ApplyPatch(InterfaceEvent e)
    {
        if (e.Interface.Type != "patch" || !_apps.Any(a => a.Needs.Any(n => n.IntegrationPatch == e.Interface.Name))) return false;
        uint? ofport = e.Kind == InterfaceEventKind.Removed || !e.Interface.HasOfport ? null : (uint)e.Interface.Ofport!.Value;
        if (_bridge.SetPatch(e.Interface.Name, ofport))
        {
            _log.LogInformation("patch port {Patch} is ofport {Ofport}", e.Interface.Name, ofport?.ToString() ?? "(none)");
            _router!.BridgePortsChanged();
        }
        return true;
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
