using System.Threading.Channels;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Observability;
using Dragonflow.Controller.Routing;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Observability;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.Ovsdb;
using Dragonflow.Ovsdb.Vswitch;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// The per-chassis controller (docs/architecture.md): a host that knows no app. It puts
/// together parts with one job each — <see cref="ChassisPlumbing"/> (br-int, tunnel ports, the
/// bridges apps need), <see cref="SwitchSession"/> (the OpenFlow connection and the flow
/// installer on it), <see cref="NbSync"/> (the NB cache), <see cref="ChangeRouter"/> (NB
/// changes to app events), <see cref="PortBindings"/> (ports bound ACTIVE once their flows are
/// in) and the heartbeat — and runs ONE event loop: every NB update, OVSDB interface event,
/// switch (dis)connection, packet-in and timer tick becomes a <see cref="WorkItem"/> on a
/// channel, and only the loop touches the cache, the apps and the flow installer, so none of
/// them needs a lock.
/// </summary>
public sealed partial class LocalController : IAsyncDisposable
{
    /// <summary>How long after connecting to a publisher its subscription is surely established.</summary>
    private static readonly TimeSpan PublisherSettleTime = TimeSpan.FromMilliseconds(500);

    private readonly ControllerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _log;
    private readonly Channel<WorkItem> _work = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly NbCache _nb = new();
    private readonly BridgePorts _bridge = new();
    private readonly PortFaults _faults = new();
    private readonly List<Task> _background = [];
    private readonly ControllerMetrics _metrics;
    private MetricsListener? _metricsListener;
    private Task<MetadataService.MetadataProxy?>? _metadataProxy;

    private NbApi? _api;
    private INbSubscriber? _subscriber;
    private OvsdbClient? _ovsdb;
    private FlowInstaller? _installer;
    private IReadOnlyList<ControllerApp> _apps = [];
    private ChangeRouter? _router;
    private AppTimer? _timer;
    private ChassisPlumbing? _plumbing;
    private GatewayTunnels? _gatewayTunnels;
    private SwitchSession? _switch;
    private NbSync? _sync;
    private PortBindings? _bindings;
    private Task _loop = Task.CompletedTask;
    private long _processed;

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
    public long FullSyncs => _sync?.FullSyncs ?? 0;

    /// <summary>The bound OpenFlow target (real port when 0 was asked for).</summary>
    public string OpenFlowTarget => _switch?.Target ?? _options.OfListen;

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

        // The apps first: what they need on the chassis (bridges, patch ports) is made with br-int.
        _installer = new FlowInstaller(_loggerFactory.CreateLogger<FlowInstaller>(), _metrics) { Aging = o.Apps.Contains(AppCatalog.Aging) };
        _installer.FlowExpired += (app, owner, flow) => Post(new FlowExpiredOnSwitch(app, owner, flow));
        var context = new ChassisContext(o.Host, o.TunnelTypes, _nb, _bridge, _installer, _loggerFactory.CreateLogger("Dragonflow.Controller.Apps"))
        {
            ExternalBridge = o.ExternalBridge,
            BridgeMappings = o.BridgeMappings,
            DnsDomain = o.DnsDomain,
            MetadataService = o.Apps.Contains(AppCatalog.MetadataService),
            PortFaults = _faults,
        };
        _apps = AppCatalog.Create(o.Apps, context);
        _timer = new AppTimer(context.Clock, () => Post(new TimerTick()));
        _router = new ChangeRouter(_nb, _apps);
        _sync = new NbSync(_api, _nb, _router, () => _processed, Post, _metrics, _log);
        _bindings = new PortBindings(o.Host, _api, _nb, _bridge, _faults, Post, _metrics, _log);
        _faults.Changed += id =>
        {
            _bindings.Check(id);
            KickHeartbeat();
        };
        _bindings.FlowsInstalled += id => PortFlowsInstalled?.Invoke(id);
        _router.PortRecomputed += _bindings.Check;
        _plumbing = new ChassisPlumbing(o, _bridge, _apps.SelectMany(a => a.Needs).Distinct().ToList());
        _switch = new SwitchSession(o, _ovsdb, _installer, context, Post, KickHeartbeat, _loggerFactory, _stop.Token);
        context.PacketOutSender = _switch.SendPacketOut;
        _switch.Start();

        await _plumbing.EnsureAsync(vswitch, await _switch.ControllerTargetAsync(vswitch, ct), ct);
        await RegisterChassisAsync(ct);
        foreach (var app in _apps)
        {
            _installer.Register(app.Contract);
            app.Start();
        }
        foreach (var iface in await vswitch.GetInterfacesAsync(ct))
            ApplyInterface(new InterfaceEvent(InterfaceEventKind.Added, iface, null, InterfaceEventSource.Initial));

        if (o.Nb.EnableDfPubSub) Subscribe(_api);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var objects = await _sync.LoadAsync(ct); // the cache was empty: one recompute below covers everything
        var read = clock.ElapsedMilliseconds;
        _router.RecomputeAll();
        _gatewayTunnels = new GatewayTunnels(o, _nb, vswitch, _log, _stop.Token);
        _gatewayTunnels.Reconcile();
        _log.LogInformation("full sync at start: {Objects} NB objects read in {Read} ms, flows computed in {Computed} ms",
            objects, read, clock.ElapsedMilliseconds - read);

        if (o.MetricsListen is { } metricsListen)
        {
            _metricsListener = await MetricsListener.StartAsync(metricsListen, ct);
            _log.LogInformation("metrics on {MetricsAddress}", _metricsListener.Address);
        }
        if (_apps.OfType<Apps.Metadata.MetadataServiceApp>().FirstOrDefault() is { } metadata)
            _metadataProxy = StartMetadataProxyAsync(metadata.Directory, _stop.Token);

        _background.Add(Task.Run(() => WatchInterfacesAsync(vswitch, _stop.Token)));
        _background.Add(Task.Run(() => _switch.AcceptAsync(_stop.Token)));
        _background.Add(Task.Run(() => EveryAsync(o.SafetySyncInterval, () => new FullSyncRequested("safety-net interval"), _stop.Token)));
        _timer.Arm(_router.NextTimer);
        _loop = Task.Run(() => RunLoopAsync(_stop.Token));
        _background.Add(Task.Run(() => HeartbeatAsync(_stop.Token)));
        _log.LogInformation("controller {Host} started: bridge {Bridge}, OpenFlow {Target}, apps {Apps}",
            o.Host, o.IntegrationBridge, _switch.Target, string.Join(",", _apps.Select(a => a.Id.Name)));
    }

    /// <summary>NB updates from pub/sub become work items; a gap or a (re)connected publisher asks for a full sync.</summary>
    private void Subscribe(NbApi api)
    {
        _subscriber = NbFactory.CreateSubscriber(_options.Nb, api, _loggerFactory);
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

    private async Task RegisterChassisAsync(CancellationToken ct)
    {
        var o = _options;
        try
        {
            await _api!.CreateAsync(o.ChassisRow(), ct);
        }
        catch (NbKeyExistsException)
        {
            await _api!.UpdateAsync<Chassis>(o.Host, c =>
            {
                c.Ip = o.LocalIp;
                var row = o.ChassisRow();
                c.TunnelTypes = row.TunnelTypes;
                c.EnableChassisAsGateway = row.EnableChassisAsGateway;
                c.ExternalPhysicalNetworks = row.ExternalPhysicalNetworks;
            }, ct);
        }
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

    /// <summary>Posts <paramref name="item"/> every <paramref name="interval"/> until stopped.</summary>
    private async Task EveryAsync(TimeSpan interval, Func<WorkItem> item, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await DelayAsync(interval, ct);
            if (!ct.IsCancellationRequested) Post(item());
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

    /// <summary>The metadata proxy once it listens (null while starting, when it could not start, or without metadata_service).</summary>
    public MetadataService.MetadataProxy? MetadataProxy => _metadataProxy is { IsCompletedSuccessfully: true } started ? started.Result : null;

    /// <summary>
    /// Starts the metadata proxy beside the loop (its interface may take a moment to appear). A
    /// proxy that cannot start is logged; the rest of the chassis works on without it.
    /// </summary>
    private async Task<MetadataService.MetadataProxy?> StartMetadataProxyAsync(Apps.Metadata.MetadataDirectory directory, CancellationToken ct)
    {
        var options = _options.Metadata;
        try
        {
            var proxy = await MetadataService.MetadataProxy.StartAsync(options, directory, _loggerFactory.CreateLogger("Dragonflow.Controller.MetadataService"),
                _metrics.MetadataRequest, ct);
            _log.LogInformation("metadata proxy on {Address}:{Port} in namespace {Namespace}, forwarding to {Nova}",
                Apps.Metadata.MetadataAddress.Ipv4, Apps.Metadata.MetadataAddress.Port, options.Namespace.Length > 0 ? options.Namespace : "(own)", options.NovaBase);
            return proxy;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.LogError("metadata proxy not started: {Error}", e.Message);
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
        _timer?.Dispose();
        _subscriber?.Dispose();
        try
        {
            await Task.WhenAll([.. _background, .. _sync?.Reads ?? []]).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.LogDebug("background tasks ended with {Error}", e.Message);
        }
        if (_metricsListener is not null) await _metricsListener.DisposeAsync();
        if (_metadataProxy is not null && await _metadataProxy is { } proxy) await proxy.DisposeAsync();
        _metrics.Dispose();
        if (_installer is not null) await _installer.DisposeAsync();
        if (_switch is not null) await _switch.DisposeAsync();
        if (_ovsdb is not null) await _ovsdb.DisposeAsync();
        _api?.Dispose();
        _stop.Dispose();
    }
}
