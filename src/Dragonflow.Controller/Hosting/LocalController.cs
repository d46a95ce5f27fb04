using System.Text.Json;
using System.Threading.Channels;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Observability;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Observability;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.OpenFlow.Connection;
using Dragonflow.Ovsdb;
using Dragonflow.Ovsdb.Vswitch;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// The per-chassis controller (docs/architecture.md). Start-up: NB API and cache, ovsdb-server,
/// br-int (fail_mode=secure, OpenFlow13, disable-in-band, controller = our listener — set
/// before any flow is installed, since gaining a first controller flushes the bridge), the
/// chassis record, one flow-based tunnel port per tunnel type, the apps, a full sync; then
/// ONE event loop: every NB update, OVSDB interface event and switch (dis)connection becomes a
/// <see cref="WorkItem"/> on a channel, and only the loop touches the cache, the apps and the
/// flow installer, so none of them needs a lock.
///
/// Port binding: an interface whose iface-id names an lport makes the port local; the loop
/// binds it to this chassis in NB (chassis, binding_host_id) with status ACTIVE once the
/// installer's barrier says its flows are on the switch, and unbinds it (DOWN) when it is
/// unplugged. The controller publishes those writes, so other chassis see them at once.
/// </summary>
public sealed partial class LocalController : IAsyncDisposable
{
    private readonly ControllerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _log;
    private readonly Channel<WorkItem> _work = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly NbCache _nb = new();
    private readonly BridgePorts _bridge = new();
    private readonly Dictionary<(string Table, string Id), long> _touchedAt = [];
    private readonly HashSet<string> _toActivate = new(StringComparer.Ordinal);
    private readonly HashSet<string> _toRelease = new(StringComparer.Ordinal);
    private readonly HashSet<string> _bindingInFlight = new(StringComparer.Ordinal);
    private readonly List<Task> _background = [];
    private readonly ControllerMetrics _metrics;
    private readonly Dictionary<string, DateTimeOffset> _pluggedAt = new(StringComparer.Ordinal);
    private MetricsListener? _metricsListener;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<OpenFlowConnection, Task<List<Dragonflow.OpenFlow.Messages.FlowStats>>> _dumpsAtConnect = new();

    private NbApi? _api;
    private INbSubscriber? _subscriber;
    private OvsdbClient? _ovsdb;
    private OpenFlowListener? _listener;
    private FlowInstaller? _installer;
    private ChassisContext? _context;
    private IReadOnlyList<ControllerApp> _apps = [];
    private Routing.ChangeRouter? _router;
    private OpenFlowConnection? _switch;
    private volatile bool _switchSeen;
    private Task _loop = Task.CompletedTask;
    private long _processed;
    private long _fullSyncs;
    private bool _syncReadPending;
    private bool _syncAgain;

    /// <summary>How long after connecting to a publisher its subscription is surely established.</summary>
    private static readonly TimeSpan PublisherSettleTime = TimeSpan.FromMilliseconds(500);

    private LocalController(ControllerOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _log = loggerFactory.CreateLogger<LocalController>();
        _metrics = new ControllerMetrics(options.Host);
    }

    /// <summary>The URL of this controller's Prometheus metrics ([df] metrics_listen), or null when it has none.</summary>
    public Uri? MetricsAddress => _metricsListener?.Address;

    /// <summary>Items the event loop has processed.</summary>
    public long EventsProcessed => Interlocked.Read(ref _processed);

    /// <summary>Full syncs applied (the start-up one included).</summary>
    public long FullSyncs => Interlocked.Read(ref _fullSyncs);

    /// <summary>The bound OpenFlow target (real port when 0 was asked for).</summary>
    public string OpenFlowTarget => _listener?.Target ?? _options.OfListen;

    /// <summary>Completes when the event loop ends (stop or fatal error).</summary>
    public Task Completion => _loop;

    public string Host => _options.Host;

    /// <summary>What the flow installer did so far (null before start-up created it).</summary>
    public FlowInstallerStats? FlowStats => _installer?.Stats;

    /// <summary>Ports in the cache (read from another thread: a snapshot for tests and diagnostics).</summary>
    public int CachedPortCount => _nb.Ports.Count;

    /// <summary>
    /// A local port's flows are on the switch (the barrier after them was acknowledged) and its
    /// binding is about to be written. Raised on the event loop: keep handlers short.
    /// </summary>
    public event Action<string>? PortFlowsInstalled;

    /// <summary>An interface naming this lport (iface-id) was seen on the bridge. Raised on the event loop.</summary>
    public event Action<string>? PortPlugged;

    /// <summary>Runs the start-up sequence and the event loop; returns once the loop runs.</summary>
    public static async Task<LocalController> StartAsync(ControllerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        AppCatalog.Validate(options.Apps);
        var controller = new LocalController(options, loggerFactory);
        // Every log line of this controller (its background tasks inherit the scope) names the chassis.
        using var scope = controller._log.BeginScope(new LogIds(("ChassisId", options.Host)));
        try
        {
            await controller.StartCoreAsync(cancellationToken);
            return controller;
        }
        catch
        {
            await controller.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        var o = _options;
        _api = await NbFactory.OpenAsync(o.Nb with { PublisherPort = 0 }, publish: o.Nb.EnableDfPubSub, _loggerFactory, ct);
        _ovsdb = await OvsdbClient.ConnectAsync(o.OvsdbConnection, logger: _loggerFactory.CreateLogger<OvsdbClient>(), cancellationToken: ct);
        var vswitch = new OpenVSwitchDatabase(_ovsdb);

        _listener = new OpenFlowListener(o.OfListen, new OpenFlowConnectionOptions { LoggerFactory = _loggerFactory });
        // A switch that connects while the NB snapshot is read and the flows computed has its
        // flows dumped meanwhile: the reconcile then starts from that dump.
        _listener.SwitchConnected += c =>
        {
            _switchSeen = true;
            _dumpsAtConnect[c] = Task.Run(() => c.DumpFlowsAsync(_stop.Token));
            _ = c.Closed.ContinueWith(_ => _dumpsAtConnect.TryRemove(c, out var _), TaskScheduler.Default);
        };
        _listener.Start();

        // The apps first: what they need on the chassis (bridges, patch ports) is made with br-int.
        _installer = new FlowInstaller(_loggerFactory.CreateLogger<FlowInstaller>(), _metrics) { Aging = o.Apps.Contains(AppCatalog.Aging) };
        _installer.FlowExpired += (app, owner, flow) => Post(new FlowExpiredOnSwitch(app, owner, flow));
        _context = new ChassisContext(o.Host, o.TunnelTypes, _nb, _bridge, _installer, _loggerFactory.CreateLogger("Dragonflow.Controller.Apps"))
        {
            ExternalBridge = o.ExternalBridge,
            BridgeMappings = o.BridgeMappings,
        };
        _context.PacketOutSender = SendPacketOut;
        _apps = AppCatalog.Create(o.Apps, _context);
        _router = new Routing.ChangeRouter(_nb, _apps);
        _router.PortRecomputed += CheckBinding;

        var target = await ControllerTargetAsync(vswitch, ct);
        await vswitch.EnsureBridgeAsync(new BridgeSpec(o.IntegrationBridge)
        {
            DatapathType = o.DatapathType,
            FailMode = "secure",
            Protocols = ["OpenFlow13"],
            // vswitchd retries a lost controller after 1 s, doubling up to max_backoff (8 s by
            // default): a restarted controller that is not listening at the first retry would
            // wait seconds for its switch. 1000 ms is the smallest vswitchd accepts.
            Controllers = [new ControllerSpec(target) { MaxBackoffMs = 1000 }],
            OtherConfig = new Dictionary<string, string> { ["disable-in-band"] = "true" },
        }, ct);
        foreach (var type in o.TunnelTypes)
        {
            await vswitch.EnsurePortAsync(PortSpec.Tunnel(o.IntegrationBridge, ControllerOptions.TunnelPortName(type), type, o.LocalIp), ct);
        }
        foreach (var need in _apps.SelectMany(a => a.Needs).Distinct()) await EnsurePatchedBridgeAsync(vswitch, need, ct);
        await RegisterChassisAsync(ct);

        foreach (var app in _apps)
        {
            _installer.Register(app.Contract);
            app.Start();
        }

        foreach (var iface in await vswitch.GetInterfacesAsync(ct))
            ApplyInterface(new InterfaceEvent(InterfaceEventKind.Added, iface, null, InterfaceEventSource.Initial));

        if (o.Nb.EnableDfPubSub)
        {
            _subscriber = NbFactory.CreateSubscriber(o.Nb, _api, _loggerFactory);
            _subscriber.UpdateReceived += u => Post(new NbUpdateReceived(u));
            _subscriber.GapDetected += g => Post(new FullSyncRequested($"pub/sub gap from {g.PublisherId} ({g.Expected}..{g.Received - 1})"));
            _subscriber.PublisherChanged += (id, connected) =>
            {
                KickHeartbeat();
                if (!connected) return;
                // The connect is asynchronous: updates published before the subscription is
                // established are in neither the snapshot nor the stream, so sync again a little later.
                Post(new FullSyncRequested($"connected to publisher {id}"));
                _ = Task.Delay(PublisherSettleTime, _stop.Token).ContinueWith(
                    _ => Post(new FullSyncRequested($"publisher {id} settled")), TaskContinuationOptions.OnlyOnRanToCompletion);
            };
            _subscriber.SubscribeAll();
            _subscriber.Start();
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var snapshot = await ReadSnapshotAsync(0, ct);
        var read = clock.ElapsedMilliseconds;
        ApplySnapshot(snapshot, dispatch: false); // the cache was empty: one recompute below covers everything
        RecomputeAll();
        _log.LogInformation("full sync at start: {Objects} NB objects read in {Read} ms, flows computed in {Computed} ms",
            snapshot.Tables.Values.Sum(t => t.Count), read, clock.ElapsedMilliseconds - read);

        if (o.MetricsListen is { } metricsListen)
        {
            _metricsListener = await MetricsListener.StartAsync(metricsListen, ct);
            _log.LogInformation("metrics on {MetricsAddress}", _metricsListener.Address);
        }

        _background.Add(Task.Run(() => WatchInterfacesAsync(vswitch, _stop.Token)));
        _background.Add(Task.Run(() => AcceptSwitchesAsync(_stop.Token)));
        _background.Add(Task.Run(() => SafetySyncAsync(_stop.Token)));
        if (_apps.Any(a => a.Handles.HasFlag(AppEvents.Timer))) _background.Add(Task.Run(() => TickAsync(_stop.Token)));
        _loop = Task.Run(() => RunLoopAsync(_stop.Token));
        _background.Add(Task.Run(() => HeartbeatAsync(_stop.Token)));
        _log.LogInformation("controller {Host} started: bridge {Bridge}, OpenFlow {Target}, apps {Apps}",
            o.Host, o.IntegrationBridge, _listener.Target, string.Join(",", _apps.Select(a => a.Id.Name)));
    }

    private async Task RegisterChassisAsync(CancellationToken ct)
    {
        var o = _options;
        try
        {
            await _api!.CreateAsync(new Chassis { Id = o.Host, Ip = o.LocalIp, TunnelTypes = [.. o.TunnelTypes] }, ct);
        }
        catch (NbKeyExistsException)
        {
            await _api!.UpdateAsync<Chassis>(o.Host, c =>
            {
                c.Ip = o.LocalIp;
                c.TunnelTypes = [.. o.TunnelTypes];
            }, ct);
        }
    }

    /// <summary>A packet-out from an app (called on the event loop, which owns <see cref="_switch"/>).</summary>
    private void SendPacketOut(uint port, byte[] frame)
    {
        if (_switch is not { } sw) return;
        var sent = sw.SendAsync(Dragonflow.OpenFlow.Messages.PacketOut.Create(frame, [new Dragonflow.OpenFlow.Actions.Output(port)]));
        if (!sent.IsCompletedSuccessfully)
            _ = sent.AsTask().ContinueWith(t => _log.LogWarning("packet-out to port {OfPort} failed: {Error}", port, t.Exception?.GetBaseException().Message),
                TaskContinuationOptions.OnlyOnFaulted);
    }

    private void Post(WorkItem item) => _work.Writer.TryWrite(item);

    // ---- background sources ----------------------------------------------------------------

    private async Task WatchInterfacesAsync(OpenVSwitchDatabase vswitch, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in vswitch.WatchInterfacesAsync(ct)) Post(new InterfaceChanged(e));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogWarning("interface monitor ended ({Error}); restarting", e.Message);
                await DelayAsync(TimeSpan.FromMilliseconds(200), ct);
            }
        }
    }

    private async Task AcceptSwitchesAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var connection = await _listener!.AcceptAsync(ct);
                connection.Disconnected += (c, _) => Post(new SwitchDisconnected(c));
                Post(new SwitchConnected(connection));
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

    private async Task SafetySyncAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await DelayAsync(_options.SafetySyncInterval, ct);
            if (!ct.IsCancellationRequested) Post(new FullSyncRequested("safety-net interval"));
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reads every cached table from NB; corrupt values are logged and left out.</summary>
    private async Task<NbSnapshotRead> ReadSnapshotAsync(long startedAt, CancellationToken ct)
    {
        var tables = new Dictionary<NbTable, IReadOnlyList<NbObject>>();
        foreach (var table in NbCache.Tables)
        {
            var objects = new List<NbObject>();
            foreach (var entry in await _api!.DumpRawAsync(table.Name, null, ct))
            {
                if (ParseObject(table, entry.Id, entry.Value) is { } obj) objects.Add(obj);
            }
            tables[table] = objects;
        }
        return new NbSnapshotRead(tables, startedAt);
    }

    private NbObject? ParseObject(NbTable table, string id, string? json)
    {
        try
        {
            var obj = table.Deserialize(json ?? throw new JsonException("no value"));
            if (obj.Id.Length == 0) obj.Id = id;
            if (obj.Id != id) throw new JsonException($"value has id '{obj.Id}'");
            return obj;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            _log.LogWarning("malformed NB object {Table}/{Id} skipped: {Error}", table.Name, id, e.Message);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _work.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.LogDebug("event loop ended with {Error}", e.Message);
        }
        _subscriber?.Dispose();
        try
        {
            await Task.WhenAll(_background).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.LogDebug("background tasks ended with {Error}", e.Message);
        }
        if (_metricsListener is not null) await _metricsListener.DisposeAsync();
        _metrics.Dispose();
        if (_installer is not null) await _installer.DisposeAsync();
        if (_listener is not null) await _listener.DisposeAsync();
        if (_ovsdb is not null) await _ovsdb.DisposeAsync();
        _api?.Dispose();
        _stop.Dispose();
    }
}
