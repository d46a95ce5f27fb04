using Dragonflow.Controller.Topology;
using Dragonflow.Ovsdb.Vswitch;

namespace Dragonflow.Controller.Hosting;

/// <summary>What an interface event changed on the chassis.</summary>
internal enum InterfaceChange
{
    None,

    /// <summary>A tunnel port appeared, changed ofport or went: every flow that leads into a tunnel depends on it.</summary>
    Tunnels,

    /// <summary>A br-int port an app needs (a patch or internal port) appeared, changed ofport or went.</summary>
    NeededPorts,

    /// <summary>A VM interface naming an lport was plugged, moved or unplugged.</summary>
    Port,
}

/// <summary>
/// The chassis' Open vSwitch as the controller makes and reads it. Start-up makes br-int
/// (fail_mode=secure, OpenFlow13, disable-in-band, our listener as its controller — set before
/// any flow is installed, since gaining a first controller flushes the bridge), one flow-based
/// tunnel port per tunnel type, and what the apps need (<see cref="Apps.ControllerApp.Needs"/>:
/// bridges patched to br-int, internal ports on it). Interface events are recorded in
/// <see cref="BridgePorts"/>.
/// </summary>
internal sealed class ChassisPlumbing(ControllerOptions options, BridgePorts bridge, IReadOnlyList<ChassisNeed> needs)
{
    public async Task EnsureAsync(OpenVSwitchDatabase vswitch, string controllerTarget, CancellationToken ct)
    {
        var o = options;
        await vswitch.EnsureBridgeAsync(new BridgeSpec(o.IntegrationBridge)
        {
            DatapathType = o.DatapathType,
            FailMode = "secure",
            Protocols = ["OpenFlow13"],
            // vswitchd retries a lost controller after 1 s, doubling up to max_backoff (8 s by
            // default): a restarted controller that is not listening at the first retry would
            // wait seconds for its switch. 1000 ms is the smallest vswitchd accepts.
            Controllers = [new ControllerSpec(controllerTarget) { MaxBackoffMs = 1000 }],
            OtherConfig = new Dictionary<string, string> { ["disable-in-band"] = "true" },
        }, ct);
        foreach (var type in o.TunnelTypes)
            await vswitch.EnsurePortAsync(PortSpec.Tunnel(o.IntegrationBridge, ControllerOptions.TunnelPortName(type), type, o.LocalIp), ct);
        foreach (var need in needs)
        {
            switch (need)
            {
                case PatchedBridge b:
                    await vswitch.EnsureBridgeAsync(new BridgeSpec(b.Bridge) { DatapathType = o.DatapathType }, ct);
                    await vswitch.EnsurePortAsync(PortSpec.Patch(o.IntegrationBridge, b.IntegrationPatch, b.BridgePatch), ct);
                    await vswitch.EnsurePortAsync(PortSpec.Patch(b.Bridge, b.BridgePatch, b.IntegrationPatch), ct);
                    break;
                case InternalPort p:
                    await vswitch.EnsurePortAsync(PortSpec.Internal(o.IntegrationBridge, p.Name), ct);
                    break;
            }
        }
    }

    /// <summary>Records an interface event; <paramref name="portId"/> is the lport whose interface changed (for <see cref="InterfaceChange.Port"/>).</summary>
    public InterfaceChange Apply(InterfaceEvent e, out string? portId)
    {
        portId = null;
        var iface = e.Interface;
        var gone = e.Kind == InterfaceEventKind.Removed || !iface.HasOfport;
        uint? ofport = gone ? null : (uint)iface.Ofport!.Value;
        if (needs.Any(n => n.IntegrationPort == iface.Name))
            return bridge.SetNeededPort(iface.Name, ofport) ? InterfaceChange.NeededPorts : InterfaceChange.None;
        if (GatewayTunnel.IsGatewayTunnel(iface.Name))
        {
            var remote = iface.Options.GetValueOrDefault("remote_ip");
            return bridge.SetGatewayTunnel(iface.Name, remote, ofport) ? InterfaceChange.Tunnels : InterfaceChange.None;
        }
        var tunnelType = options.TunnelTypes.FirstOrDefault(t => iface.Name == ControllerOptions.TunnelPortName(t) && iface.Type == t);
        if (tunnelType is not null)
        {
            var changed = ofport is { } p ? bridge.SetTunnel(tunnelType, p) : bridge.RemoveTunnel(tunnelType);
            return changed ? InterfaceChange.Tunnels : InterfaceChange.None;
        }
        portId = ofport is { } port ? bridge.SetInterface(iface.Name, iface.IfaceId, port) : bridge.RemoveInterface(iface.Name);
        return portId is null ? InterfaceChange.None : InterfaceChange.Port;
    }
}
