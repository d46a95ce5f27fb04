using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;

namespace Dragonflow.Controller.Routing;

/// <summary>
/// Hands app events to the apps that declared them (<see cref="ControllerApp.Handles"/>), in
/// app order. The controller's event loop and the trace verb (which recomputes flows offline)
/// both route through it, so they see the same flows.
/// </summary>
public sealed class ChangeRouter(NbCache nb, IReadOnlyList<ControllerApp> apps)
{
    public IReadOnlyList<ControllerApp> Apps { get; } = apps;

    /// <summary>A port was recomputed (after the apps): the host checks its binding here.</summary>
    public event Action<string>? PortRecomputed;

    /// <summary>One NB object changed (before/after null: created/removed).</summary>
    public void Changed(NbTable table, NbObject? before, NbObject? after)
    {
        foreach (var e in ChangeRoutes.Of(table, nb, before, after)) Deliver(e);
    }

    /// <summary>Every object, as after a full sync or when something all flows depend on changed (a tunnel port).</summary>
    public void RecomputeAll()
    {
        foreach (var e in ChangeRoutes.All(nb).ToList()) Deliver(e);
    }

    public void Deliver(AppEvent e)
    {
        foreach (var app in Apps)
        {
            if (!app.Handles.HasFlag(e.Kind)) continue;
            switch (e.Kind)
            {
                case AppEvents.Port: app.OnPortChanged(e.Id); break;
                case AppEvents.Network: app.OnNetworkChanged(e.Id); break;
                case AppEvents.Router: app.OnRouterChanged(e.Id); break;
                case AppEvents.FloatingIp: app.OnFloatingIpChanged(e.Id); break;
                case AppEvents.SecurityGroup: app.OnSecurityGroupChanged(e.Id); break;
            }
        }
        if (e.Kind == AppEvents.Port) PortRecomputed?.Invoke(e.Id);
        if (e.WithPorts)
            foreach (var port in nb.PortsOfNetwork(e.Id).ToList()) Deliver(AppEvent.Port(port));
    }

    /// <summary>A packet-in goes to the app whose id is in the flow's cookie; returns that app, or null if none handles it.</summary>
    public ControllerApp? PacketIn(PacketInData packet)
    {
        var owner = FlowCookie.App(packet.Cookie);
        foreach (var app in Apps)
        {
            if (app.Id.Value != owner || !app.Handles.HasFlag(AppEvents.PacketIn)) continue;
            app.OnPacketIn(packet);
            return app;
        }
        return null;
    }

    public void Tick()
    {
        foreach (var app in Apps)
            if (app.Handles.HasFlag(AppEvents.Timer)) app.OnTimer();
    }

    /// <summary>The earliest time an app that handles timers asks to be ticked; null when none asks.</summary>
    public TimeSpan? NextTimer(TimeSpan now)
    {
        TimeSpan? next = null;
        foreach (var app in Apps)
        {
            if (app.Handles.HasFlag(AppEvents.Timer) && app.NextTimer(now) is { } due && (next is null || due < next)) next = due;
        }
        return next;
    }

    public void FlowExpired(AppId id, FlowOwner owner, DesiredFlow flow)
    {
        foreach (var app in Apps)
            if (app.Id.Value == id.Value) app.OnFlowExpired(owner, flow);
    }

    /// <summary>A patch port an app needs appeared, changed or went.</summary>
    public void BridgePortsChanged()
    {
        foreach (var app in Apps)
            if (app.Needs.Count > 0) app.OnBridgePortsChanged();
    }
}
