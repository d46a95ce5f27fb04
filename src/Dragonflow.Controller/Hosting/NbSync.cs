using System.Text.Json;
using Dragonflow.Controller.Observability;
using Dragonflow.Controller.Routing;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.PubSub;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Hosting;

/// <summary>
/// Keeps the chassis' NB cache equal to the NB database: pub/sub updates one by one, full
/// syncs (at start, after a gap or a publisher change, on the safety timer) as a snapshot read
/// in the background and applied on the event loop. Every change of the cache goes to the
/// change router. A snapshot never undoes what pub/sub brought after the read started: each
/// object pub/sub touched is stamped with the loop's item count, and the snapshot leaves
/// newer ones alone. Used only from the event loop (the reads run beside it).
/// </summary>
internal sealed class NbSync(NbApi api, NbCache nb, ChangeRouter router, Func<long> processed, Action<WorkItem> post,
    ControllerMetrics metrics, ILogger log)
{
    private readonly Dictionary<(string Table, string Id), long> _touchedAt = [];
    private readonly List<Task> _reads = [];
    private bool _readPending;
    private bool _syncAgain;
    private long _fullSyncs;

    /// <summary>Full syncs applied (the start-up one included).</summary>
    public long FullSyncs => Interlocked.Read(ref _fullSyncs);

    /// <summary>The background snapshot reads started so far (for an orderly stop).</summary>
    public IReadOnlyList<Task> Reads => _reads;

    /// <summary>The first sync: read everything, fill the (empty) cache without events; the caller recomputes everything once.</summary>
    public async Task<int> LoadAsync(CancellationToken ct)
    {
        var snapshot = await ReadSnapshotAsync(0, ct);
        Apply(snapshot, dispatch: false);
        return snapshot.Tables.Values.Sum(t => t.Count);
    }

    public void Apply(DbUpdate u)
    {
        if (!NbTables.TryGet(u.Table, out var table) || !NbCache.Tables.Contains(table)) return;
        if (u.Action == DbUpdateAction.Sync)
        {
            post(new FullSyncRequested("sync requested by publisher"));
            return;
        }
        if (u.Action == DbUpdateAction.Delete)
        {
            if (nb.Find(table.Name, u.Key) is { } cached && cached.Version > u.Version && u.Version > 0)
                return; // the delete is older than what we hold (a re-created object)
            Touch(table.Name, u.Key);
            if (nb.Remove(table.Name, u.Key) is { } removed) router.Changed(table, removed, null);
            return;
        }
        if (ParseObject(table, u.Key, u.Value) is not { } obj) return;
        Touch(table.Name, u.Key);
        Store(table, obj);
    }

    /// <summary>An object this controller wrote itself: taken now rather than when it comes back through pub/sub.</summary>
    public void Store(NbTable table, NbObject obj)
    {
        var (stored, previous) = nb.Put(obj);
        if (stored) router.Changed(table, previous, obj);
    }

    /// <summary>A full sync was asked for: one read at a time; a request during a read means one more after it.</summary>
    public void Request(string reason, CancellationToken ct)
    {
        if (_readPending)
        {
            _syncAgain = true; // the running read may have started before what this request is about
            return;
        }
        _readPending = true;
        log.LogInformation("full sync: {Reason}", reason);
        var startedAt = processed();
        _reads.Add(Task.Run(async () =>
        {
            try
            {
                post(await ReadSnapshotAsync(startedAt, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("full sync read failed: {Error}; retrying later", e.Message);
                post(new NbSnapshotRead(new Dictionary<NbTable, IReadOnlyList<NbObject>>(), -1));
            }
        }, ct));
    }

    /// <summary>A snapshot read finished (StartedAt &lt; 0: it failed, and is retried in a second).</summary>
    public void Read(NbSnapshotRead s, CancellationToken ct)
    {
        _readPending = false;
        if (s.StartedAt >= 0) Apply(s);
        if (_syncAgain || s.StartedAt < 0)
        {
            _syncAgain = false;
            _ = Task.Delay(s.StartedAt < 0 ? TimeSpan.FromSeconds(1) : TimeSpan.Zero, ct)
                .ContinueWith(_ => post(new FullSyncRequested("requested during the previous sync")), TaskContinuationOptions.OnlyOnRanToCompletion);
        }
    }

    private void Touch(string table, string id) => _touchedAt[(table, id)] = processed();

    /// <summary>
    /// Brings the cache to the snapshot: newer objects are stored, cached objects the snapshot
    /// lacks are removed — unless pub/sub touched them after the read started (then pub/sub
    /// is newer than the snapshot).
    /// </summary>
    private void Apply(NbSnapshotRead s, bool dispatch = true)
    {
        foreach (var (table, objects) in s.Tables)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var obj in objects)
            {
                present.Add(obj.Id);
                if (_touchedAt.GetValueOrDefault((table.Name, obj.Id), -1) > s.StartedAt) continue;
                var (stored, previous) = nb.Put(obj);
                if (dispatch && stored && (previous is null || previous.Version != obj.Version)) router.Changed(table, previous, obj);
            }
            foreach (var gone in nb.All(table.Name).Where(o => !present.Contains(o.Id)).Select(o => o.Id).ToList())
            {
                if (_touchedAt.GetValueOrDefault((table.Name, gone), -1) > s.StartedAt) continue;
                if (nb.Remove(table.Name, gone) is { } removed && dispatch) router.Changed(table, removed, null);
            }
        }
        _touchedAt.Clear();
        Interlocked.Increment(ref _fullSyncs);
        metrics.Syncs.Inc();
    }

    /// <summary>Reads every cached table from NB; corrupt values are logged and left out.</summary>
    private async Task<NbSnapshotRead> ReadSnapshotAsync(long startedAt, CancellationToken ct)
    {
        var tables = new Dictionary<NbTable, IReadOnlyList<NbObject>>();
        foreach (var table in NbCache.Tables)
        {
            var objects = new List<NbObject>();
            foreach (var entry in await api.DumpRawAsync(table.Name, null, ct))
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
            log.LogWarning("malformed NB object {Table}/{Id} skipped: {Error}", table.Name, id, e.Message);
            return null;
        }
    }
}
