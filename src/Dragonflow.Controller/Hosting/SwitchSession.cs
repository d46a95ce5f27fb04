using System.Collections.Concurrent;
using System.Globalization;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Connection;
using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;
using Dragonflow.Ovsdb;
using Dragonflow.Ovsdb.Data;
using Dragonflow.Ovsdb.Vswitch;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// The OpenFlow side of the chassis: the listener br-int's controller points at, which
/// connection is br-int's, the flow installer attached to it, packet-ins posted to the event
/// loop and packet-outs sent. Only br-int's controller points at the listener, but anything
/// local can connect to it: a connection whose datapath id is not br-int's (as ovsdb-server
/// tells it) is refused and closed, so it can never take over the flow installer. A newer
/// connection from br-int's datapath replaces the current one. Apart from the listener's
/// callbacks, used only from the event loop.
/// </summary>
internal sealed class SwitchSession(ControllerOptions options, OvsdbClient ovsdb, FlowInstaller installer, ChassisContext context,
    Action<WorkItem> post, Action stateChanged, ILoggerFactory loggerFactory, CancellationToken stop) : IAsyncDisposable
{
    private readonly ILogger _log = loggerFactory.CreateLogger<SwitchSession>();
    private readonly OpenFlowListener _listener = new(options.OfListen, new OpenFlowConnectionOptions { LoggerFactory = loggerFactory });
    private readonly ConcurrentDictionary<OpenFlowConnection, Task<List<FlowStats>>> _dumpsAtConnect = new();
    private OpenFlowConnection? _switch;
    private volatile bool _switchSeen;

    /// <summary>The bound OpenFlow target (the real port when 0 was asked for).</summary>
    public string Target => _listener.Target;

    public bool IsConnected => _switch?.IsConnected == true;

    public void Start()
    {
        // A switch that connects while the NB snapshot is read and the flows computed has its
        // flows dumped meanwhile: the reconcile then starts from that dump.
        _listener.SwitchConnected += c =>
        {
            _switchSeen = true;
            _dumpsAtConnect[c] = Task.Run(() => c.DumpFlowsAsync(stop));
            _ = c.Closed.ContinueWith(_ => _dumpsAtConnect.TryRemove(c, out var _), TaskScheduler.Default);
        };
        _listener.Start();
    }

    /// <summary>
    /// The spelling of our listener's target to give br-int. After a restart, vswitchd still
    /// retries the old controller's target (the same address) on its backoff, at least 1 s apart;
    /// given the other spelling of it (<see cref="OpenFlowTarget.Respell"/>) it drops that and
    /// dials at once. The bridge keeps one controller throughout, so it flushes no flow.
    /// </summary>
    public async Task<string> ControllerTargetAsync(OpenVSwitchDatabase vswitch, CancellationToken ct)
    {
        var target = _listener.Target;
        var respelled = OpenFlowTarget.Respell(target);
        var current = (await vswitch.GetBridgeAsync(options.IntegrationBridge, ct))?.ControllerTargets ?? [];
        // Already connected to us (its retry came first): keep the spelling it used.
        if (_switchSeen) return current.Contains(respelled) ? respelled : target;
        return current.Contains(target) ? respelled : target;
    }

    /// <summary>Accepts connections until stopped; each becomes a work item.</summary>
    public async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var connection = await _listener.AcceptAsync(ct);
                connection.Disconnected += (c, _) => post(new SwitchDisconnected(c));
                post(new SwitchConnected(connection));
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _log.LogWarning("accepting a switch failed: {Error}", e.Message);
            }
        }
    }

    public async Task ConnectedAsync(OpenFlowConnection connection, CancellationToken ct)
    {
        _dumpsAtConnect.TryRemove(connection, out var dumpAtConnect);
        if (!await IsIntegrationBridgeAsync(connection, ct)) return;
        if (_switch is { } older && older != connection)
        {
            // The same datapath connected again (e.g. vswitchd restarted before the old
            // socket timed out): the newer connection is the live one.
            _log.LogWarning("{Switch} connected again; the newer connection replaces {Older}", connection, older.RemoteEndPoint);
            installer.Detach();
            _ = older.DisposeAsync().AsTask();
        }
        _switch = null;
        _log.LogInformation("{Switch} connected; reconciling flows", connection);
        connection.PacketIn += (_, pi) => post(new PacketInReceived(new PacketInData(
            pi.TableId, pi.Cookie, pi.InPort, pi.Metadata, pi.Register(Pipeline.Registers.SourcePort), pi.Data.ToArray())));
        await installer.AttachAsync(connection, dumpAtConnect, ct);
        _switch = connection;
        stateChanged();
    }

    public void Disconnected(OpenFlowConnection connection)
    {
        if (_switch != connection) return;
        _log.LogWarning("{Switch} disconnected", connection);
        installer.Detach();
        _switch = null;
        stateChanged();
    }

    /// <summary>
    /// Sends the batch's flow changes, then the apps' re-injections (so they take the new flows).
    /// False when no switch is connected (the re-injections are dropped: their senders retransmit).
    /// </summary>
    public async Task<bool> FlushAsync(CancellationToken ct)
    {
        if (_switch is not { } sw)
        {
            context.TakePacketOuts();
            return false;
        }
        await installer.FlushAsync(ct);
        foreach (var (inPort, frame) in context.TakePacketOuts())
        {
            try
            {
                await sw.SendAsync(PacketOut.Create(frame, [new Output(OfpPort.Table)], inPort), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.LogDebug("packet-out failed: {Error}", e.Message); // the sender retransmits
            }
        }
        return true;
    }

    /// <summary>A packet-out from an app, out of a switch port (called on the event loop).</summary>
    public void SendPacketOut(uint port, byte[] frame)
    {
        if (_switch is not { } sw) return;
        var sent = sw.SendAsync(PacketOut.Create(frame, [new Output(port)]));
        if (!sent.IsCompletedSuccessfully)
            _ = sent.AsTask().ContinueWith(t => _log.LogWarning("packet-out to port {OfPort} failed: {Error}", port, t.Exception?.GetBaseException().Message),
                TaskContinuationOptions.OnlyOnFaulted);
    }

    private async Task<bool> IsIntegrationBridgeAsync(OpenFlowConnection connection, CancellationToken ct)
    {
        var expected = await IntegrationDatapathIdAsync(ct);
        if (expected is null || expected == connection.DatapathId) return true;
        _log.LogWarning("{Switch} refused: datapath {Datapath:x16} is not {Bridge}'s ({Expected:x16})",
            connection, connection.DatapathId, options.IntegrationBridge, expected.Value);
        await connection.DisposeAsync();
        return false;
    }

    /// <summary>br-int's datapath_id column; null if it cannot be read (then any datapath is taken).</summary>
    private async Task<ulong?> IntegrationDatapathIdAsync(CancellationToken ct)
    {
        try
        {
            var result = await ovsdb.TransactAsync(OpenVSwitchDatabase.Database,
                [Operation.Select("Bridge", [Condition.Equal("name", options.IntegrationBridge)], ["datapath_id"])], ct);
            var text = result[0].Rows.FirstOrDefault()?.GetString("datapath_id");
            return ulong.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var id) ? id : null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _log.LogWarning("reading {Bridge}'s datapath id failed ({Error}); accepting the switch", options.IntegrationBridge, e.Message);
            return null;
        }
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
