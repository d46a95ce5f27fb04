using System.Text.Json.Nodes;
using System.Threading.Channels;
using Dragonflow.Ovsdb.Data;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Ovsdb.Monitoring;

/// <summary>
/// A monitor that survives reconnects. It keeps a replica of the monitored rows; each server
/// notification is applied to it and handed on as a <see cref="MonitorUpdate"/> carrying full
/// old/new rows. When the client reconnects it monitors afresh, compares the server's state
/// with the replica and delivers the difference as one <see cref="MonitorUpdateKind.Resync"/>
/// update, so a consumer that missed changes while disconnected catches up without a flush.
/// Uses monitor_cond/update2 by default (diffs applied with the schema's column types), or
/// RFC 7047 monitor/update.
/// </summary>
public sealed class OvsdbMonitor : IAsyncDisposable
{
    private readonly OvsdbClient _client;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Dictionary<Guid, OvsdbRow>> _replica = new();
    private readonly Dictionary<string, IReadOnlyList<string>> _columns = new();
    private readonly Channel<MonitorUpdate> _updates = Channel.CreateUnbounded<MonitorUpdate>(new UnboundedChannelOptions { SingleReader = false });
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _haveState;

    internal OvsdbMonitor(OvsdbClient client, ILogger logger, string database, string id,
        IReadOnlyList<MonitorRequest> requests, bool conditional, DatabaseSchema schema)
    {
        _client = client;
        _logger = logger;
        Database = database;
        Id = id;
        Requests = requests;
        Conditional = conditional;
        Schema = schema;
        foreach (var r in requests)
        {
            var table = schema.Table(r.Table);
            _columns[r.Table] = r.Columns ?? table.Columns.Keys.ToArray();
            _replica[r.Table] = new Dictionary<Guid, OvsdbRow>();
            if (!conditional && r.Where is { Count: > 0 })
                throw new ArgumentException("a where clause needs monitor_cond (conditional: true)");
        }
    }

    public string Database { get; }
    public string Id { get; }
    public IReadOnlyList<MonitorRequest> Requests { get; }
    public bool Conditional { get; }
    public DatabaseSchema Schema { get; }

    /// <summary>Completes when the initial state has arrived.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Number of times the monitor was (re)established.</summary>
    public int Subscriptions { get; private set; }

    /// <summary>The updates in order: first <see cref="MonitorUpdateKind.Initial"/>, then
    /// <see cref="MonitorUpdateKind.Update"/>s, with a <see cref="MonitorUpdateKind.Resync"/>
    /// after each reconnect. Ends when the monitor is disposed.</summary>
    public IAsyncEnumerable<MonitorUpdate> ReadUpdatesAsync(CancellationToken cancellationToken = default) =>
        _updates.Reader.ReadAllAsync(cancellationToken);

    /// <summary>A snapshot of the replica of one table.</summary>
    public IReadOnlyDictionary<Guid, OvsdbRow> Rows(string table)
    {
        lock (_replica) return new Dictionary<Guid, OvsdbRow>(_replica[table]);
    }

    internal string Method => Conditional ? "monitor_cond" : "monitor";

    internal JsonArray BuildParams()
    {
        var requests = new JsonObject();
        foreach (var r in Requests)
        {
            var o = new JsonObject();
            if (r.Columns is not null) o["columns"] = new JsonArray(r.Columns.Select(c => (JsonNode?)c).ToArray());
            if (r.Where is { Count: > 0 })
                o["where"] = new JsonArray(r.Where.Select(c => (JsonNode?)c.ToJson()).ToArray());
            requests[r.Table] = Conditional ? new JsonArray(o) : o;
        }
        return new JsonArray(Database, Id, requests);
    }

    /// <summary>Applies the reply to monitor/monitor_cond: the full current state. Runs on the read loop.</summary>
    internal void ApplyInitial(JsonNode? result)
    {
        var fresh = new Dictionary<string, Dictionary<Guid, OvsdbRow>>();
        foreach (var table in _replica.Keys) fresh[table] = new Dictionary<Guid, OvsdbRow>();
        foreach (var (table, uuid, rowUpdate) in Entries(result))
        {
            var row = Conditional ? (rowUpdate["initial"] ?? rowUpdate["insert"]) : rowUpdate["new"];
            if (row is null) continue;
            fresh[table][uuid] = Normalize(table, OvsdbRow.FromJson(row));
        }

        var changes = new List<RowChange>();
        MonitorUpdateKind kind;
        lock (_replica)
        {
            kind = _haveState ? MonitorUpdateKind.Resync : MonitorUpdateKind.Initial;
            foreach (var (table, rows) in fresh)
            {
                var old = _replica[table];
                foreach (var (uuid, row) in rows)
                {
                    if (!old.TryGetValue(uuid, out var before)) changes.Add(new RowChange(table, uuid, RowChangeKind.Insert, null, row));
                    else if (!before.SameAs(row)) changes.Add(new RowChange(table, uuid, RowChangeKind.Modify, before, row));
                }
                foreach (var (uuid, before) in old)
                    if (!rows.ContainsKey(uuid)) changes.Add(new RowChange(table, uuid, RowChangeKind.Delete, before, null));
                _replica[table] = rows;
            }
            _haveState = true;
            Subscriptions++;
        }
        _updates.Writer.TryWrite(new MonitorUpdate(kind, changes));
        _ready.TrySetResult();
    }

    /// <summary>Applies an update (RFC 7047 §4.1.6) or update2 (ovsdb-server(7) §4.1.14) notification.</summary>
    internal void ApplyNotification(JsonNode? tableUpdates)
    {
        var changes = new List<RowChange>();
        lock (_replica)
        {
            foreach (var (table, uuid, rowUpdate) in Entries(tableUpdates))
            {
                var rows = _replica[table];
                rows.TryGetValue(uuid, out var before);
                OvsdbRow? after;
                if (Conditional)
                {
                    if (rowUpdate.ContainsKey("delete")) after = null;
                    else if ((rowUpdate["insert"] ?? rowUpdate["initial"]) is { } ins) after = Normalize(table, OvsdbRow.FromJson(ins));
                    else if (rowUpdate["modify"] is { } mod) after = ApplyDiff(table, before, OvsdbRow.FromJson(mod));
                    else throw new OvsdbProtocolException($"row update without insert/modify/delete for {table} {uuid}");
                }
                else
                {
                    after = rowUpdate["new"] is { } n ? Normalize(table, (before ?? OvsdbRow.Empty).With(OvsdbRow.FromJson(n))) : null;
                }

                if (after is null)
                {
                    if (before is null) continue;
                    rows.Remove(uuid);
                    changes.Add(new RowChange(table, uuid, RowChangeKind.Delete, before, null));
                }
                else
                {
                    rows[uuid] = after;
                    changes.Add(new RowChange(table, uuid, before is null ? RowChangeKind.Insert : RowChangeKind.Modify, before, after));
                }
            }
        }
        if (changes.Count > 0) _updates.Writer.TryWrite(new MonitorUpdate(MonitorUpdateKind.Update, changes));
    }

    private OvsdbRow ApplyDiff(string table, OvsdbRow? before, OvsdbRow diff)
    {
        if (before is null)
        {
            _logger.LogWarning("OVSDB monitor {Id}: modify for unknown row in {Table}", Id, table);
            before = Normalize(table, OvsdbRow.Empty);
        }
        var schema = Schema.Table(table);
        return before.With(diff.Select(c => KeyValuePair.Create(c.Key, before[c.Key].ApplyDiff(c.Value,
            schema.Columns.TryGetValue(c.Key, out var column) ? column.Type
            : throw new OvsdbProtocolException($"modify of unknown column {table}.{c.Key}")))));
    }

    /// <summary>Fills in the monitored columns the server left out because they hold defaults.</summary>
    private OvsdbRow Normalize(string table, OvsdbRow row)
    {
        var schema = Schema.Table(table);
        var missing = _columns[table].Where(c => !row.ContainsKey(c) && schema.Columns.ContainsKey(c)).ToArray();
        return missing.Length == 0 ? row : row.With(missing.Select(c => KeyValuePair.Create(c, schema.Columns[c].Type.DefaultValue())));
    }

    private IEnumerable<(string Table, Guid Uuid, JsonObject RowUpdate)> Entries(JsonNode? tableUpdates)
    {
        if (tableUpdates is not JsonObject tables)
            throw new OvsdbProtocolException($"table updates is not an object: {OvsdbAtom.Truncate(tableUpdates)}");
        foreach (var (table, tableUpdate) in tables)
        {
            if (!_replica.ContainsKey(table))
                throw new OvsdbProtocolException($"update for table {table}, which monitor {Id} does not watch");
            if (tableUpdate is not JsonObject rows) throw new OvsdbProtocolException($"table update for {table} is not an object");
            foreach (var (uuidText, rowUpdate) in rows)
            {
                if (!Guid.TryParse(uuidText, out var uuid)) throw new OvsdbProtocolException($"bad row uuid '{uuidText}'");
                if (rowUpdate is not JsonObject ru) throw new OvsdbProtocolException($"row update for {uuidText} is not an object");
                yield return (table, uuid, ru);
            }
        }
    }

    internal void Complete() => _updates.Writer.TryComplete();

    /// <summary>Stops monitoring (monitor_cancel when connected) and ends the update stream.</summary>
    public async ValueTask DisposeAsync()
    {
        await _client.RemoveMonitorAsync(this);
        Complete();
    }
}
