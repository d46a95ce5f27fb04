using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Observability;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Observability;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.Ovsdb.Vswitch;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>The event loop: applies work items to the cache, tells the apps what changed, flushes.</summary>
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
                // The batch is done: push it to the switch, then report ports whose flows are in.
                try
                {
                    await AfterBatchAsync(ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    _log.LogWarning("flushing to the switch failed: {Error}", e.Message);
                }
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
                ApplyUpdate(u.Update);
                break;
            case FullSyncRequested r:
                if (_syncReadPending)
                {
                    _syncAgain = true; // the running read may have started before what this request is about
                    break;
                }
                _syncReadPending = true;
                _log.LogInformation("full sync: {Reason}", r.Reason);
                var startedAt = _processed;
                _background.Add(Task.Run(async () =>
                {
                    try
                    {
                        Post(await ReadSnapshotAsync(startedAt, ct));
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _log.LogWarning("full sync read failed: {Error}; retrying later", e.Message);
                        Post(new NbSnapshotRead(new Dictionary<NbTable, IReadOnlyList<NbObject>>(), -1));
                    }
                }, ct));
                break;
            case NbSnapshotRead s:
                _syncReadPending = false;
                if (s.StartedAt >= 0) ApplySnapshot(s);
                if (_syncAgain || s.StartedAt < 0)
                {
                    _syncAgain = false;
                    _ = Task.Delay(s.StartedAt < 0 ? TimeSpan.FromSeconds(1) : TimeSpan.Zero, ct)
                        .ContinueWith(_ => Post(new FullSyncRequested("requested during the previous sync")), TaskContinuationOptions.OnlyOnRanToCompletion);
                }
                break;
            case InterfaceChanged i:
                ApplyInterface(i.Event);
                break;
            case SwitchConnected c:
                _dumpsAtConnect.TryRemove(c.Connection, out var dumpAtConnect);
                if (!await IsIntegrationBridgeAsync(c.Connection, ct)) break;
                if (_switch is { } older && older != c.Connection)
                {
                    // The same datapath connected again (e.g. vswitchd restarted before the old
                    // socket timed out): the newer connection is the live one.
                    _log.LogWarning("{Switch} connected again; the newer connection replaces {Older}", c.Connection, older.RemoteEndPoint);
                    _installer!.Detach();
                    _ = older.DisposeAsync().AsTask();
                }
                _switch = null;
                _log.LogInformation("{Switch} connected; reconciling flows", c.Connection);
                c.Connection.PacketIn += (_, pi) => Post(new PacketInReceived(new PacketInData(
                    pi.TableId, pi.Cookie, pi.InPort, pi.Metadata, pi.Register(Pipeline.Registers.SourcePort), pi.Data.ToArray())));
                await _installer!.AttachAsync(c.Connection, dumpAtConnect, ct);
                _switch = c.Connection;
                KickHeartbeat();
                break;
            case SwitchDisconnected d:
                if (_switch == d.Connection)
                {
                    _log.LogWarning("{Switch} disconnected", d.Connection);
                    _installer!.Detach();
                    _switch = null;
                    KickHeartbeat();
                }
                break;
            case PacketInReceived p:
                if (_router!.PacketIn(p.Packet))
                {
                    _metrics.PacketIn(_apps.First(a => a.Id.Value == FlowCookie.App(p.Packet.Cookie)).Id.Name);
                }
                else
                {
                    _metrics.PacketIn("none");
                    _log.LogDebug("packet-in from table {Table} (cookie {Cookie:x}) has no app; dropped", p.Packet.Table, p.Packet.Cookie);
                }
                break;
            case TimerTick:
                _router!.Tick();
                break;
            case FlowExpiredOnSwitch x:
                _router!.FlowExpired(x.App, x.Owner, x.Flow);
                break;
            case BindingWritten b:
                _bindingInFlight.Remove(b.PortId);
                if (b.Stored is not null)
                {
                    // Our own write: take it now rather than wait for it to come back through pub/sub.
                    var (stored, previous) = _nb.Put(b.Stored);
                    if (stored) _router!.Changed(NbTables.Lport, previous, b.Stored);
                }
                CheckBinding(b.PortId);
                break;
        }
    }

    // ---- NB ----------------------------------------------------------------------------------

    private void ApplyUpdate(DbUpdate u)
    {
        if (!NbTables.TryGet(u.Table, out var table) || !NbCache.Tables.Contains(table)) return;
        if (u.Action == DbUpdateAction.Sync)
        {
            Post(new FullSyncRequested("sync requested by publisher"));
            return;
        }
        if (u.Action == DbUpdateAction.Delete)
        {
            if (_nb.Find(table.Name, u.Key) is { } cached && cached.Version > u.Version && u.Version > 0)
                return; // the delete is older than what we hold (a re-created object)
            Touch(table.Name, u.Key);
            if (_nb.Remove(table.Name, u.Key) is { } removed) _router!.Changed(table, removed, null);
            return;
        }
        if (ParseObject(table, u.Key, u.Value) is not { } obj) return;
        Touch(table.Name, u.Key);
        var (stored, previous) = _nb.Put(obj);
        if (stored) _router!.Changed(table, previous, obj);
    }

    private void Touch(string table, string id) => _touchedAt[(table, id)] = _processed;

    /// <summary>
    /// Brings the cache to the snapshot: newer objects are stored, cached objects the snapshot
    /// lacks are removed — unless pub/sub touched them after the read started (then pub/sub
    /// is newer than the snapshot).
    /// </summary>
    private void ApplySnapshot(NbSnapshotRead s, bool dispatch = true)
    {
        foreach (var (table, objects) in s.Tables)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var obj in objects)
            {
                present.Add(obj.Id);
                if (_touchedAt.GetValueOrDefault((table.Name, obj.Id), -1) > s.StartedAt) continue;
                var (stored, previous) = _nb.Put(obj);
                if (dispatch && stored && (previous is null || previous.Version != obj.Version)) _router!.Changed(table, previous, obj);
            }
            foreach (var gone in _nb.All(table.Name).Where(o => !present.Contains(o.Id)).Select(o => o.Id).ToList())
            {
                if (_touchedAt.GetValueOrDefault((table.Name, gone), -1) > s.StartedAt) continue;
                if (_nb.Remove(table.Name, gone) is { } removed && dispatch) _router!.Changed(table, removed, null);
            }
        }
        _touchedAt.Clear();
        Interlocked.Increment(ref _fullSyncs);
        _metrics.Syncs.Inc();
    }

    private void RecomputeAll() => _router!.RecomputeAll();

    // ---- OVSDB -------------------------------------------------------------------------------

    private void ApplyInterface(InterfaceEvent e)
    {
        var iface = e.Interface;
        if (ApplyPatch(e)) return;
        var tunnelType = _options.TunnelTypes.FirstOrDefault(t => iface.Name == ControllerOptions.TunnelPortName(t) && iface.Type == t);
        if (tunnelType is not null)
        {
            var changed = e.Kind == InterfaceEventKind.Removed || !iface.HasOfport
                ? _bridge.RemoveTunnel(tunnelType)
                : _bridge.SetTunnel(tunnelType, (uint)iface.Ofport!.Value);
            if (changed) RecomputeAll();
            return;
        }
        string? portId = e.Kind == InterfaceEventKind.Removed || !iface.HasOfport
            ? _bridge.RemoveInterface(iface.Name)
            : _bridge.SetInterface(iface.Name, iface.IfaceId, (uint)iface.Ofport!.Value);
        if (portId is null) return;
        _metrics.Local.Set(_bridge.LocalPorts.Count);
        if (_bridge.IsLocal(portId)) _pluggedAt.TryAdd(portId, DateTimeOffset.UtcNow);
        else _pluggedAt.Remove(portId);
        using (_log.BeginScope(new LogIds(("NetworkId", _nb.Ports.GetValueOrDefault(portId)?.Lswitch))))
            _log.LogInformation("port {PortId} {State} on {Interface}", portId, _bridge.IsLocal(portId) ? "plugged" : "unplugged", iface.Name);
        if (_bridge.IsLocal(portId)) PortPlugged?.Invoke(portId);
        _router!.Deliver(Routing.AppEvent.Port(portId));
        if (_nb.Ports.TryGetValue(portId, out var port)) _router.Deliver(Routing.AppEvent.Network(port.Lswitch));
    }

    // ---- bindings ----------------------------------------------------------------------------

    private void CheckBinding(string portId)
    {
        _toActivate.Remove(portId);
        _toRelease.Remove(portId);
        if (!_nb.Ports.TryGetValue(portId, out var port)) return;
        var host = _options.Host;
        if (_bridge.IsLocal(portId))
        {
            if (port.Chassis != host || port.BindingHostId != host || port.Status != PortStatuses.Active) _toActivate.Add(portId);
        }
        else if (port.Chassis == host)
        {
            _toRelease.Add(portId);
        }
    }

    private async Task AfterBatchAsync(CancellationToken ct)
    {
        if (_switch is null) _context?.TakePacketOuts(); // no switch to send them to: the senders retransmit
        if (_switch is null || _installer is null) return;
        await _installer.FlushAsync(ct);
        foreach (var (inPort, frame) in _context!.TakePacketOuts())
        {
            try
            {
                await _switch.SendAsync(Dragonflow.OpenFlow.Messages.PacketOut.Create(frame,
                    [new Dragonflow.OpenFlow.Actions.Output(Dragonflow.OpenFlow.Protocol.OfpPort.Table)], inPort), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.LogDebug("packet-out failed: {Error}", e.Message); // the sender retransmits
            }
        }
        foreach (var id in _toActivate.Where(id => !_bindingInFlight.Contains(id)).ToList())
        {
            PortFlowsInstalled?.Invoke(id);
            ObservePortUp(id);
            WriteBinding(id, bind: true);
        }
        foreach (var id in _toRelease.Where(id => !_bindingInFlight.Contains(id)).ToList())
            WriteBinding(id, bind: false);
    }

    /// <summary>
    /// Port-up latency of a port whose flows were just acknowledged: from the later of its NB
    /// write (the port's updated_at, NbApi's clock) and its interface appearing here.
    /// </summary>
    private void ObservePortUp(string portId)
    {
        if (!_nb.Ports.TryGetValue(portId, out var port) || !_pluggedAt.TryGetValue(portId, out var plugged)) return;
        var written = port.UpdatedAt ?? port.CreatedAt ?? plugged;
        var since = written > plugged ? written : plugged;
        _metrics.PortUp.Observe(Math.Max(0, (DateTimeOffset.UtcNow - since).TotalSeconds));
    }

    private void WriteBinding(string portId, bool bind)
    {
        _bindingInFlight.Add(portId);
        var host = _options.Host;
        var api = _api!;
        _ = Task.Run(async () =>
        {
            LogicalPort? written = null;
            try
            {
                written = await api.UpdateAsync<LogicalPort>(portId, p =>
                {
                    if (bind)
                    {
                        p.Chassis = host;
                        p.BindingHostId = host;
                        p.Status = PortStatuses.Active;
                    }
                    else if (p.Chassis == host)
                    {
                        p.Chassis = null;
                        p.Status = PortStatuses.Down;
                    }
                });
                using (_log.BeginScope(new LogIds(("NetworkId", written.Lswitch))))
                    _log.LogInformation("port {PortId} {What}", portId, bind ? "bound here, ACTIVE" : "released, DOWN");
            }
            catch (NbKeyNotFoundException)
            {
                // Deleted meanwhile: nothing to bind.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _log.LogWarning("writing the binding of port {PortId} failed: {Error}", portId, e.Message);
                await Task.Delay(500);
            }
            Post(new BindingWritten(portId, written));
        });
    }
}
