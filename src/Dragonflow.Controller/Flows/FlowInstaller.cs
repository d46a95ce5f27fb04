using Dragonflow.Controller.Observability;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Connection;
using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.Controller.Flows;

/// <summary>
/// Keeps br-int's flow table equal to what the apps want (the role of OVN's ofctrl).
///
/// Desired state is kept per (app, owner). Every flow is checked against its app's contract
/// and the pipeline (<see cref="AppContract"/>) before anything changes. A switch flow key
/// (table, priority, match) has one owner: a second owner of the same key is refused loudly
/// (logged, counted) and its flow waits until the holder lets go (<see cref="SwitchFlow"/>). <see cref="Set"/> only records the keys it touched; <see cref="FlushAsync"/>
/// compares just those keys with what the switch was last told and sends the difference,
/// pipelined with one barrier. Nothing is ever recomputed globally.
///
/// Every flow carries a cookie <see cref="FlowCookie"/>: the app and the aging generation. A
/// (re)attached switch is reconciled, not flushed (see FlowInstaller.Reconcile.cs). Flows with
/// a timeout ask for FLOW_REMOVED; when the switch expires one, it leaves the installer's view
/// and its owner is told (<see cref="FlowExpired"/>), so nothing is re-sent behind its back.
///
/// Set/Clear/Get come from the controller's event loop; attach, detach and flushes may come from
/// elsewhere (the connection's own thread for a disconnect), so state is guarded by one lock
/// and flushes are serialised by a gate.
/// </summary>
public sealed partial class FlowInstaller : IFlowTable, IAsyncDisposable
{
    private readonly ILogger _log;
    private readonly object _lock = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<byte, AppContract> _apps = new();
    private readonly Dictionary<(byte App, FlowOwner Owner), Dictionary<FlowKey, DesiredFlow>> _owners = new();
    private readonly Dictionary<FlowKey, SwitchFlow> _desired = new();
    private readonly Dictionary<FlowKey, Installed> _installed = new();
    private HashSet<FlowKey> _pending = new();
    private OpenFlowConnection? _connection;
    private Task<List<FlowStats>>? _prefetchedDump;
    private bool _reconcileNeeded;
    private uint _generation;
    private long _added, _modified, _deleted, _restamped, _rejected, _flushes, _reconciles, _conflicts, _expired;

    /// <summary>What the switch was last told for a key (and on whose behalf, for logs).</summary>
    private readonly record struct Installed(ulong Cookie, DesiredFlow Flow, AppId App, FlowOwner Owner);

    private readonly ControllerMetrics? _metrics;

    public FlowInstaller(ILogger<FlowInstaller>? logger = null, ControllerMetrics? metrics = null)
    {
        _log = (ILogger?)logger ?? NullLogger.Instance;
        _metrics = metrics;
        _metrics?.ReadFlowsFrom(FlowsPerTable);
    }

    /// <summary>Desired and installed flows per table (for the flows-per-table gauge).</summary>
    public IReadOnlyDictionary<byte, (int Desired, int Installed)> FlowsPerTable()
    {
        var counts = new Dictionary<byte, (int Desired, int Installed)>();
        lock (_lock)
        {
            foreach (var key in _desired.Keys)
            {
                var c = counts.GetValueOrDefault(key.Table);
                counts[key.Table] = (c.Desired + 1, c.Installed);
            }
            foreach (var key in _installed.Keys)
            {
                var c = counts.GetValueOrDefault(key.Table);
                counts[key.Table] = (c.Desired, c.Installed + 1);
            }
        }
        return counts;
    }

    /// <summary>
    /// "aging" in apps_list: every reconcile moves all flows to a new cookie generation (and the
    /// canary in table 200 records it). Off: a reconcile changes only the flows that differ.
    /// </summary>
    public bool Aging { get; init; } = true;

    public FlowInstallerStats Stats
    {
        get
        {
            lock (_lock)
                return new FlowInstallerStats(_added, _modified, _deleted, _restamped, _rejected, _flushes, _reconciles,
                    _generation, _desired.Count, _installed.Count, _conflicts, _expired);
        }
    }

    /// <summary>
    /// A flow of the switch's own timeout expired (FLOW_REMOVED): it is no longer desired nor
    /// installed. Raised on the connection's thread; the host hands it to the owning app.
    /// </summary>
    public event Action<AppId, FlowOwner, DesiredFlow>? FlowExpired;

    /// <summary>Declares what an app may write; a flow outside its contract is refused by <see cref="Set"/>.</summary>
    public void Register(AppContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        lock (_lock)
        {
            if (_apps.TryGetValue(contract.App.Value, out var existing) && existing.App.Name != contract.App.Name)
                throw new InvalidOperationException($"app id {contract.App.Value} is already registered as {existing.App}, not {contract.App}");
            _apps[contract.App.Value] = contract;
        }
    }

    /// <summary>Declares that <paramref name="app"/> may write any priority of <paramref name="tables"/>.</summary>
    public void Register(AppId app, IReadOnlyCollection<byte> tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        try
        {
            Register(AppContract.AnyPriority(app, tables));
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    public void Set(AppId app, FlowOwner owner, IEnumerable<DesiredFlow> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        lock (_lock)
        {
            if (!_apps.TryGetValue(app.Value, out var contract))
                throw new InvalidOperationException($"app {app} (id {app.Value}) is not registered with the flow installer");
            // Validate everything before changing anything: a refused Set leaves the owner as it was.
            // A flow the owner already had unchanged was checked when it came, so only new ones are.
            _owners.TryGetValue((app.Value, owner), out var had);
            var next = new Dictionary<FlowKey, DesiredFlow>();
            foreach (var flow in flows)
            {
                var known = had is not null && had.TryGetValue(flow.Key, out var was) && was.Equals(flow);
                if (!known && contract.Check(flow) is { } broken)
                    throw new InvalidOperationException($"{broken} (owner {owner})");
                if (next.TryGetValue(flow.Key, out var twin) && !twin.Equals(flow))
                    _log.LogWarning("app {App} owner {Owner} gave flow {Key} twice with different instructions; the later wins",
                        app, owner, Describe(flow.Key));
                next[flow.Key] = flow;
            }
            Replace(app, owner, next);
        }
    }

    public void Clear(AppId app, FlowOwner owner)
    {
        lock (_lock)
            Replace(app, owner, []);
    }

    public IReadOnlyCollection<DesiredFlow> Get(AppId app, FlowOwner owner)
    {
        lock (_lock)
            return _owners.TryGetValue((app.Value, owner), out var flows) ? flows.Values : [];
    }

    /// <summary>The owner's delta: keys it dropped, keys it added or changed. Caller holds the lock.</summary>
    private void Replace(AppId app, FlowOwner owner, Dictionary<FlowKey, DesiredFlow> next)
    {
        var id = (app.Value, owner);
        _owners.TryGetValue(id, out var old);
        if (old is not null)
        {
            foreach (var key in old.Keys)
                if (!next.ContainsKey(key))
                    Unwant(key, app, owner);
        }
        foreach (var (key, flow) in next)
        {
            if (old is not null && old.TryGetValue(key, out var was) && was.Equals(flow))
                continue;
            Want(key, app, owner, flow);
        }
        // A fresh dictionary per Set: what Get handed out earlier never changes under its reader.
        if (next.Count == 0) _owners.Remove(id);
        else _owners[id] = next;
    }

    private void Want(FlowKey key, AppId app, FlowOwner owner, DesiredFlow flow)
    {
        if (!_desired.TryGetValue(key, out var switchFlow))
            _desired[key] = switchFlow = new SwitchFlow();
        if (switchFlow.Put(new SwitchFlow.Want(app, owner, flow)) is { } other)
        {
            var holder = switchFlow.Winner;
            var refused = holder.App.Value == app.Value && holder.Owner == owner ? other : new SwitchFlow.Want(app, owner, flow);
            _conflicts++;
            _metrics?.Conflicts.Inc();
            _log.LogError("flow {Key} is wanted by {App}/{Owner} and by {OtherApp}/{OtherOwner}; one owner per flow: " +
                "{HolderApp}/{Holder} keeps it, {RefusedApp}/{Refused} is refused ({Instructions})",
                Describe(key), app, owner, other.App, other.Owner, holder.App, holder.Owner, refused.App, refused.Owner, refused.Flow.Instructions);
        }
        _pending.Add(key);
    }

    private void Unwant(FlowKey key, AppId app, FlowOwner owner)
    {
        if (!_desired.TryGetValue(key, out var switchFlow))
            return;
        switchFlow.Remove(app, owner);
        if (switchFlow.Count == 0)
            _desired.Remove(key);
        _pending.Add(key);
    }

    // ---- the switch ---------------------------------------------------------------------------

    /// <summary>A (re)connected switch: reconcile it, then keep it in sync through <see cref="FlushAsync"/>.</summary>
    public Task AttachAsync(OpenFlowConnection connection, CancellationToken ct = default) => AttachAsync(connection, null, ct);

    /// <summary>
    /// As <see cref="AttachAsync(OpenFlowConnection, CancellationToken)"/>, with the switch's flow
    /// dump already requested when it connected (so the dump overlaps the controller's start-up).
    /// Only the first reconcile uses it; the dump must be of this connection, taken before any change.
    /// </summary>
    public async Task AttachAsync(OpenFlowConnection connection, Task<List<FlowStats>>? prefetchedDump, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        lock (_lock)
        {
            _prefetchedDump = prefetchedDump;
            if (_connection is { } previous && previous != connection)
            {
                previous.Disconnected -= OnDisconnected;
                previous.FlowRemoved -= OnFlowRemoved;
            }
            if (_connection != connection)
            {
                connection.Disconnected += OnDisconnected;
                connection.FlowRemoved += OnFlowRemoved;
            }
            _connection = connection;
            _reconcileNeeded = true;
        }
        // It may have closed before we subscribed.
        if (!connection.IsConnected)
        {
            _log.LogInformation("{Switch}: closed before it could be reconciled", connection);
            DetachFrom(connection);
            return;
        }
        await FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The switch is gone. Desired state is kept; the next <see cref="AttachAsync"/> reconciles.</summary>
    public void Detach()
    {
        lock (_lock)
        {
            if (_connection is null) return;
            _connection.Disconnected -= OnDisconnected;
            _connection.FlowRemoved -= OnFlowRemoved;
            _log.LogInformation("{Switch}: detached from the flow installer", _connection);
            _connection = null;
            _prefetchedDump = null;
            _reconcileNeeded = true;
        }
    }

    private void DetachFrom(OpenFlowConnection connection)
    {
        lock (_lock)
        {
            if (_connection == connection) Detach();
        }
    }

    private void OnDisconnected(OpenFlowConnection connection, Exception? reason) => DetachFrom(connection);

    /// <summary>
    /// The switch expired a flow (idle or hard timeout). If it is the flow we installed (same key
    /// and cookie), it leaves both views, so the next Set of it is a change that is sent; its
    /// owner is told. Removals we caused ourselves (reason delete) are ours already.
    /// </summary>
    private void OnFlowRemoved(OpenFlowConnection connection, FlowRemoved removed)
    {
        if (removed.Reason is not (FlowRemovedReason.IdleTimeout or FlowRemovedReason.HardTimeout)) return;
        var key = new FlowKey(removed.TableId, removed.Priority, removed.Match);
        Installed expired;
        lock (_lock)
        {
            if (_connection != connection || !_installed.TryGetValue(key, out expired) || expired.Cookie != removed.Cookie) return;
            _installed.Remove(key);
            _expired++;
            if (_desired.TryGetValue(key, out var switchFlow))
            {
                foreach (var want in switchFlow.Wants.ToList())
                {
                    if (_owners.TryGetValue((want.App.Value, want.Owner), out var flows))
                    {
                        // A fresh dictionary, as in Replace: what Get handed out never changes under its reader.
                        var rest = new Dictionary<FlowKey, DesiredFlow>(flows);
                        rest.Remove(key);
                        if (rest.Count == 0) _owners.Remove((want.App.Value, want.Owner));
                        else _owners[(want.App.Value, want.Owner)] = rest;
                    }
                }
                _desired.Remove(key);
            }
            _pending.Remove(key);
        }
        _metrics?.Expired.Inc();
        _log.LogDebug("flow {Key} of {App}/{Owner} expired on the switch ({Reason})", Describe(key), expired.App, expired.Owner, removed.Reason);
        FlowExpired?.Invoke(expired.App, expired.Owner, expired.Flow);
    }

    /// <summary>
    /// Sends the pending differences (or the whole reconcile after an attach) and completes once
    /// the switch acknowledged them. Switch failures are logged, the changes stay pending; only
    /// cancellation of <paramref name="ct"/> throws.
    /// </summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            OpenFlowConnection? connection;
            bool reconcile;
            Task<List<FlowStats>>? prefetched;
            lock (_lock)
            {
                connection = _connection;
                reconcile = _reconcileNeeded;
                prefetched = _prefetchedDump;
                _prefetchedDump = null;
                if (connection is null || (!reconcile && _pending.Count == 0)) return;
            }
            try
            {
                if (reconcile) await ReconcileAsync(connection, prefetched, ct).ConfigureAwait(false);
                else await SendPendingAsync(connection, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (IsSwitchProblem(e))
            {
                _log.LogWarning("{Switch}: flow {What} did not complete, changes stay pending: {Reason}",
                    connection, reconcile ? "reconcile" : "update", e.Message);
                if (!connection.IsConnected) DetachFrom(connection);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static bool IsSwitchProblem(Exception e) =>
        e is OpenFlowConnectionClosedException or TimeoutException or OpenFlowErrorException or OpenFlowProtocolException
            or IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException;

    /// <summary>One FLOW_MOD per pending key whose desired state differs from what the switch was told.</summary>
    private async Task SendPendingAsync(OpenFlowConnection connection, CancellationToken ct)
    {
        var mods = new List<FlowMod>();
        var changes = new List<(FlowKey Key, Installed? Now, Installed? Was)>();
        HashSet<FlowKey> taken;
        lock (_lock)
        {
            taken = _pending;
            _pending = new HashSet<FlowKey>();
            foreach (var key in taken)
            {
                var isInstalled = _installed.TryGetValue(key, out var installed);
                if (_desired.TryGetValue(key, out var switchFlow))
                {
                    var winner = switchFlow.Winner;
                    var cookie = FlowCookie.Make(winner.App, _generation, winner.Flow.CookieTag);
                    if (isInstalled && installed.Cookie == cookie && installed.Flow.Equals(winner.Flow))
                        continue;
                    mods.Add(AddOf(winner.Flow, cookie));
                    changes.Add((key, new Installed(cookie, winner.Flow, winner.App, winner.Owner), isInstalled ? installed : null));
                }
                else if (isInstalled)
                {
                    mods.Add(DeleteOf(key));
                    changes.Add((key, null, installed));
                }
            }
        }
        if (mods.Count == 0) return;

        IReadOnlyDictionary<int, ErrorMessage> rejected;
        try
        {
            rejected = await SendAsync(connection, mods, ct).ConfigureAwait(false);
        }
        catch
        {
            lock (_lock) _pending.UnionWith(taken);
            throw;
        }

        long added = 0, modified = 0, deleted = 0;
        lock (_lock)
        {
            for (var i = 0; i < changes.Count; i++)
            {
                if (rejected.TryGetValue(i, out var error))
                {
                    var (key, now, was) = changes[i];
                    var who = now ?? was!.Value;
                    _log.LogError("{Switch}: rejected {What} of flow {Flow} of app {App} (owner {Owner}): {Error}",
                        connection, now is null ? "the deletion" : "the installation",
                        now is null ? Describe(key) : mods[i].ToString(), who.App, who.Owner, error);
                    continue;
                }
                var (k, n, w) = changes[i];
                if (n is { } installedNow)
                {
                    _installed[k] = installedNow;
                    if (w is null) added++;
                    else modified++;
                }
                else
                {
                    _installed.Remove(k);
                    deleted++;
                }
            }
            _added += added;
            _modified += modified;
            _deleted += deleted;
            _rejected += rejected.Count;
            _flushes++;
        }
        _metrics?.FlowModsDone("add", added);
        _metrics?.FlowModsDone("modify", modified);
        _metrics?.FlowModsDone("delete", deleted);
    }

    /// <summary>
    /// Sends a batch with one barrier at the end; returns the errors of the messages the switch
    /// rejected, by index. A rejected message does not stop the others.
    /// </summary>
    private async Task<IReadOnlyDictionary<int, ErrorMessage>> SendAsync(OpenFlowConnection connection, List<FlowMod> mods, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var barrier = await connection.SendBatchAsync(mods, ct).ConfigureAwait(false);
            _metrics?.Barrier.Observe(barrier.TotalSeconds);
            return new Dictionary<int, ErrorMessage>();
        }
        catch (OpenFlowBatchException e)
        {
            var rejected = new Dictionary<int, ErrorMessage>();
            foreach (var (index, error) in e.Failures)
                rejected[index] = error;
            _metrics?.Rejected.Inc(rejected.Count);
            return rejected;
        }
        finally
        {
            _metrics?.Batch.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            _metrics?.Size.Observe(mods.Count);
        }
    }

    private static FlowMod AddOf(DesiredFlow flow, ulong cookie) =>
        FlowMod.Add(flow.Table, flow.Priority, flow.Match, flow.Instructions, cookie) with
        {
            IdleTimeout = flow.IdleTimeout,
            HardTimeout = flow.HardTimeout,
            // A flow that can expire tells us when it does (OnFlowRemoved).
            Flags = flow.IdleTimeout > 0 || flow.HardTimeout > 0 ? FlowModFlags.SendFlowRemoved : 0,
        };

    private static FlowMod DeleteOf(FlowKey key, ulong cookie = 0, ulong cookieMask = 0) => new()
    {
        Command = FlowModCommand.DeleteStrict,
        TableId = key.Table,
        Priority = key.Priority,
        Match = key.Match,
        Cookie = cookie,
        CookieMask = cookieMask,
    };

    private static string Describe(FlowKey key) =>
        key.Match.Fields.Count == 0 ? $"table={key.Table},priority={key.Priority}" : $"table={key.Table},priority={key.Priority},{key.Match}";

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Detach();
        }
        finally
        {
            _gate.Release();
        }
    }
}
