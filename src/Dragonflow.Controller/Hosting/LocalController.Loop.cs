using Dragonflow.Controller.Routing;
using Dragonflow.Model;
using Dragonflow.NorthDb.Observability;
using Dragonflow.Ovsdb.Vswitch;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>The event loop: hands each work item to the part it concerns, then flushes the batch to the switch and writes bindings.</summary>
public sealed partial class LocalController
{
    private async Task RunLoopAsync(CancellationToken ct)
    {
        var reader = _work.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct))
            {
                while (reader.TryRead(out var item))
                {
                    try
                    {
                        await ProcessAsync(item, ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        _log.LogError(e, "processing {Item} failed; continuing", item.GetType().Name);
                    }
                    Interlocked.Increment(ref _processed);
                    _metrics.Event(item.GetType().Name);
                }
                _gatewayTunnels?.Reconcile();
                // The batch is done: push it to the switch, then report ports whose flows are in.
                try
                {
                    if (await _switch!.FlushAsync(ct)) _bindings!.Flushed();
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    _log.LogWarning("flushing to the switch failed: {Error}", e.Message);
                }
                // The batch may have given an app something to do later (or sooner).
                _timer!.Arm(_router!.NextTimer);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task ProcessAsync(WorkItem item, CancellationToken ct)
    {
        switch (item)
        {
            case NbUpdateReceived u:
                _sync!.Apply(u.Update);
                break;
            case FullSyncRequested r:
                _sync!.Request(r.Reason, ct);
                break;
            case NbSnapshotRead s:
                _sync!.Read(s, ct);
                break;
            case InterfaceChanged i:
                ApplyInterface(i.Event);
                break;
            case SwitchConnected c:
                await _switch!.ConnectedAsync(c.Connection, ct);
                break;
            case SwitchDisconnected d:
                _switch!.Disconnected(d.Connection);
                break;
            case PacketInReceived p:
                var handler = _router!.PacketIn(p.Packet);
                _metrics.PacketIn(handler?.Id.Name ?? "none");
                if (handler is null)
                    _log.LogDebug("packet-in from table {Table} (cookie {Cookie:x}) has no app; dropped", p.Packet.Table, p.Packet.Cookie);
                break;
            case TimerTick:
                _timer!.Fired();
                _router!.Tick();
                break;
            case FlowExpiredOnSwitch x:
                _router!.FlowExpired(x.App, x.Owner, x.Flow);
                break;
            case BindingWritten b:
                _bindings!.Written(b.PortId);
                if (b.Stored is not null) _sync!.Store(NbTables.Lport, b.Stored);
                _bindings.Check(b.PortId);
                break;
        }
    }

    private void ApplyInterface(InterfaceEvent e)
    {
        switch (_plumbing!.Apply(e, out var portId))
        {
            case InterfaceChange.Tunnels:
                _router!.RecomputeAll();
                break;
            case InterfaceChange.NeededPorts:
                _log.LogInformation("port {Port} an app needs is ofport {Ofport}", e.Interface.Name, _bridge.NeededPort(e.Interface.Name)?.ToString() ?? "(none)");
                _router!.BridgePortsChanged();
                break;
            case InterfaceChange.Port:
                var local = _bridge.IsLocal(portId!);
                _metrics.Local.Set(_bridge.LocalPorts.Count);
                _bindings!.Plugged(portId!, local);
                using (_log.BeginScope(new LogIds(("NetworkId", _nb.Ports.GetValueOrDefault(portId!)?.Lswitch))))
                    _log.LogInformation("port {PortId} {State} on {Interface}", portId, local ? "plugged" : "unplugged", e.Interface.Name);
                if (local) PortPlugged?.Invoke(portId!);
                _router!.Deliver(AppEvent.Port(portId!));
                if (_nb.Ports.TryGetValue(portId!, out var port)) _router.Deliver(AppEvent.Network(port.Lswitch));
                break;
        }
    }
}
