using System.Text;
using System.Text.Json;
using Dragonflow.Model;
using Dragonflow.ZooKeeper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.NorthDb.Drivers.ZooKeeper;

/// <summary>
/// NB driver on a ZooKeeper ensemble (nb_db_class = zookeeper, remote_db_hosts = host:port list),
/// through <see cref="ZooKeeperClient"/>. Layout in <see cref="ZooKeeperPaths"/>.
///
/// A revision is the value node's mzxid: zxids are global and only grow, so a key never gets an
/// old revision back, also after delete and re-create. Every write is one multi that touches
/// the value node and its topic-of node (same zxid) and the topic index.
///
/// Compare-and-swap: setData/delete carry the znode version read with the expected mzxid. That
/// version restarts at 0 when a node is re-created, so a delete and re-create between the read
/// and the write could pass the check; every delete therefore also bumps the table node's data
/// version, and updates check it in their multi. A failed check only means "a delete happened
/// in this table"; the operation reads again and decides anew.
///
/// Every write also appends to a change journal in the same multi, which WatchAsync follows
/// (ZooKeeperNbDriver.Watch.cs).
/// </summary>
public sealed partial class ZooKeeperNbDriver : INbWatchableDriver
{
    private const int MaxAttempts = 50;
    private const int ReadBatch = 256;

    private readonly ZooKeeperClient _client;
    private readonly string _hosts;
    private int _disposed;

    public ZooKeeperNbDriver(IReadOnlyList<string> hosts, TimeSpan? operationTimeout = null, ILogger? logger = null)
    {
        if (hosts.Count == 0)
        {
            throw new NbConfigurationException("zookeeper: remote_db_hosts is empty");
        }
        _hosts = string.Join(",", hosts);
        var timeout = operationTimeout ?? TimeSpan.FromSeconds(5);
        try
        {
            _client = new ZooKeeperClient(new ZooKeeperClientOptions
            {
                Hosts = hosts,
                OperationTimeout = timeout,
                ConnectTimeout = timeout < TimeSpan.FromSeconds(2) ? timeout : TimeSpan.FromSeconds(2),
                SessionTimeout = TimeSpan.FromSeconds(10),
                Logger = logger ?? NullLogger.Instance,
            });
        }
        catch (ArgumentException e)
        {
            throw new NbConfigurationException($"zookeeper: unusable remote_db_hosts '{_hosts}': {e.Message}");
        }
    }

    public string Name => "zookeeper";

    /// <summary>The client underneath, for tests that look at the session.</summary>
    internal ZooKeeperClient Client => _client;

    public ValueTask<long> CreateAsync(string table, string id, string value, string? topic, CancellationToken cancellationToken = default) =>
        Run(async ct =>
        {
            var ops = new List<ZooKeeperOp>
            {
                ZooKeeperOp.Create(ZooKeeperPaths.Value(table, id), Encoding.UTF8.GetBytes(value)),
                ZooKeeperOp.Create(ZooKeeperPaths.TopicOf(table, id), TopicBytes(topic)),
            };
            if (topic is not null)
            {
                ops.Add(ZooKeeperOp.Create(ZooKeeperPaths.TopicIndex(table, topic, id), Array.Empty<byte>()));
            }
            ops.Add(Journal("create", table, id, topic, value, null));
            // A create inside a multi reports only its path (ZooKeeper 3.8), but a setData reports
            // its Stat, and all ops of a multi share one zxid: the value's mzxid.
            ops.Add(ZooKeeperOp.SetData(ZooKeeperPaths.TopicOf(table, id), TopicBytes(topic)));
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var results = await _client.MultiAsync(ops, ct);
                    await AfterWriteAsync();
                    return results[^1].Stat!.Value.Mzxid;
                }
                catch (ZooKeeperTransactionException e) when (e.Code == ZooKeeperErrorCode.NodeExists)
                {
                    throw new NbKeyExistsException(table, id);
                }
                catch (ZooKeeperTransactionException e) when (e.Code == ZooKeeperErrorCode.NoNode && attempt < MaxAttempts)
                {
                    await EnsureAncestorsAsync(table, topic, ct);
                }
            }
        }, cancellationToken);

    public ValueTask<NbEntry?> GetAsync(string table, string id, CancellationToken cancellationToken = default) =>
        Run(async ct => (await ReadAsync(table, id, ct))?.Entry, cancellationToken);

    public ValueTask<long> UpdateAsync(string table, string id, string value, string? topic, long expectedRevision, CancellationToken cancellationToken = default) =>
        Run(async ct =>
        {
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var deletes = await DeleteCountAsync(table, ct);
                var current = await ReadAsync(table, id, ct);
                if (deletes is null || current is null)
                {
                    throw new NbKeyNotFoundException(table, id);
                }
                if (current.Entry.Revision != expectedRevision)
                {
                    throw new NbVersionConflictException(table, id, expectedRevision, current.Entry.Revision);
                }
                var ops = new List<ZooKeeperOp>
                {
                    ZooKeeperOp.Check(ZooKeeperPaths.Table(table), deletes.Value),
                    ZooKeeperOp.SetData(ZooKeeperPaths.Value(table, id), Encoding.UTF8.GetBytes(value), current.Version),
                    ZooKeeperOp.SetData(ZooKeeperPaths.TopicOf(table, id), TopicBytes(topic)),
                };
                var oldTopic = current.Entry.Topic;
                if (oldTopic != topic)
                {
                    if (oldTopic is not null)
                    {
                        ops.Add(ZooKeeperOp.Delete(ZooKeeperPaths.TopicIndex(table, oldTopic, id)));
                    }
                    if (topic is not null)
                    {
                        ops.Add(ZooKeeperOp.Create(ZooKeeperPaths.TopicIndex(table, topic, id), Array.Empty<byte>()));
                    }
                }
                ops.Add(Journal("set", table, id, topic, value, null));
                try
                {
                    var results = await _client.MultiAsync(ops, ct);
                    await AfterWriteAsync();
                    return results[1].Stat!.Value.Mzxid;
                }
                catch (ZooKeeperTransactionException e) when (e.FailedIndex == 1)
                {
                    // Written or deleted since the read: report what is there now.
                    var now = await ReadAsync(table, id, ct) ?? throw new NbKeyNotFoundException(table, id);
                    throw new NbVersionConflictException(table, id, expectedRevision, now.Entry.Revision);
                }
                catch (ZooKeeperTransactionException e) when (e.Code == ZooKeeperErrorCode.NoNode && e.FailedIndex > 2)
                {
                    await EnsureAncestorsAsync(table, topic, ct);
                }
                catch (ZooKeeperTransactionException)
                {
                    // A delete in the table since the read (op 0): read again.
                }
            }
            throw Busy(table, id);
        }, cancellationToken);

    public ValueTask<NbEntry> DeleteAsync(string table, string id, long? expectedRevision = null, CancellationToken cancellationToken = default) =>
        Run(async ct =>
        {
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var deletes = await DeleteCountAsync(table, ct);
                var current = await ReadAsync(table, id, ct);
                if (deletes is null || current is null)
                {
                    throw new NbKeyNotFoundException(table, id);
                }
                if (expectedRevision is { } expected && current.Entry.Revision != expected)
                {
                    throw new NbVersionConflictException(table, id, expected, current.Entry.Revision);
                }
                var ops = new List<ZooKeeperOp>
                {
                    ZooKeeperOp.SetData(ZooKeeperPaths.Table(table), Array.Empty<byte>(), deletes.Value),
                    ZooKeeperOp.Delete(ZooKeeperPaths.Value(table, id), current.Version),
                    ZooKeeperOp.Delete(ZooKeeperPaths.TopicOf(table, id)),
                };
                if (current.Entry.Topic is { } topic)
                {
                    ops.Add(ZooKeeperOp.Delete(ZooKeeperPaths.TopicIndex(table, topic, id)));
                }
                ops.Add(Journal("delete", table, id, current.Entry.Topic, current.Entry.Value, current.Entry.Revision));
                try
                {
                    await _client.MultiAsync(ops, ct);
                    await AfterWriteAsync();
                    return current.Entry;
                }
                catch (ZooKeeperTransactionException e) when (e.Code == ZooKeeperErrorCode.NoNode && e.FailedIndex == ops.Count - 1)
                {
                    await EnsureAncestorsAsync(table, null, ct);
                }
                catch (ZooKeeperTransactionException)
                {
                    // Changed since the read: the next round re-reads and re-checks.
                }
            }
            throw Busy(table, id);
        }, cancellationToken);

    public ValueTask<IReadOnlyList<NbEntry>> ListAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<NbEntry>>(async ct =>
        {
            var ids = await IdsAsync(table, topic, ct);
            var entries = new List<NbEntry>(ids.Count);
            foreach (var chunk in ids.Chunk(ReadBatch))
            {
                // Pipelined on the one connection; ids deleted meanwhile read as null and drop out.
                var read = await Task.WhenAll(chunk.Select(id => ReadAsync(table, id, ct)));
                entries.AddRange(read.Where(r => r is not null && (topic is null || r.Entry.Topic == topic)).Select(r => r!.Entry));
            }
            return entries;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListIdsAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<string>>(async ct => await IdsAsync(table, topic, ct), cancellationToken);

    public async ValueTask<long> AllocateUniqueKeyAsync(string table, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await GetAsync(NbTables.UniqueKey.Name, table, cancellationToken);
            var (value, version) = current is null ? (1L, 1L) : UniqueKeyCounterValue.Next(table, current.Value);
            var json = $"{{\"id\":{JsonSerializer.Serialize(table)},\"version\":{version},\"value\":{value}}}";
            try
            {
                if (current is null)
                {
                    await CreateAsync(NbTables.UniqueKey.Name, table, json, null, cancellationToken);
                }
                else
                {
                    await UpdateAsync(NbTables.UniqueKey.Name, table, json, null, current.Revision, cancellationToken);
                }
                return value;
            }
            catch (NbException e) when (e is NbKeyExistsException or NbVersionConflictException or NbKeyNotFoundException)
            {
                // Another allocator won this round; read its value and try the next one.
            }
        }
    }

    /// <summary>A value with its znode version and revision (mzxid), read consistently with its topic.</summary>
    private sealed record Stored(NbEntry Entry, int Version);

    private async Task<Stored?> ReadAsync(string table, string id, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var valueRead = GetOrNullAsync(ZooKeeperPaths.Value(table, id), ct);
            var topicRead = GetOrNullAsync(ZooKeeperPaths.TopicOf(table, id), ct);
            var value = await valueRead;
            var topicOf = await topicRead;
            if (value is null)
            {
                return null;
            }
            // Both nodes are written by one multi and so share its zxid; different mzxids mean a
            // write fell between the two reads. After many tries accept what is there.
            // A value without a topic node was not written by this driver: give it a few tries only.
            if ((topicOf is not null && topicOf.Stat.Mzxid == value.Stat.Mzxid) || attempt >= (topicOf is null ? 2 : MaxAttempts))
            {
                var topic = topicOf is null ? null : ParseTopic(table, id, topicOf.Data);
                return new Stored(new NbEntry(table, id, Encoding.UTF8.GetString(value.Data), value.Stat.Mzxid, topic), value.Stat.Version);
            }
        }
    }

    private async Task<ZNodeData?> GetOrNullAsync(string path, CancellationToken ct)
    {
        try
        {
            return await _client.GetDataAsync(path, cancellationToken: ct);
        }
        catch (ZooKeeperNoNodeException)
        {
            return null;
        }
    }

    /// <summary>The table node's data version, which every delete in the table bumps; null if the table has no node yet.</summary>
    private async Task<int?> DeleteCountAsync(string table, CancellationToken ct) =>
        (await _client.ExistsAsync(ZooKeeperPaths.Table(table), cancellationToken: ct))?.Version;

    private async Task<List<string>> IdsAsync(string table, string? topic, CancellationToken ct)
    {
        var dir = topic is null ? ZooKeeperPaths.Table(table) : ZooKeeperPaths.TopicIndexDir(table, topic);
        try
        {
            var children = await _client.GetChildrenAsync(dir, cancellationToken: ct);
            var ids = children.Children.Select(ZooKeeperPaths.Decode).OfType<string>().ToList();
            ids.Sort(StringComparer.Ordinal);
            return ids;
        }
        catch (ZooKeeperNoNodeException)
        {
            return [];
        }
    }

    private async Task EnsureAncestorsAsync(string? table, string? topic, CancellationToken ct)
    {
        foreach (var path in ZooKeeperPaths.Ancestors(table, topic))
        {
            try
            {
                // Topic directories are containers: the server removes them once their last id goes.
                var mode = table is not null && topic is not null && path == ZooKeeperPaths.TopicIndexDir(table, topic) ? CreateMode.Container : CreateMode.Persistent;
                await _client.CreateAsync(path, Array.Empty<byte>(), mode, ct);
            }
            catch (ZooKeeperNodeExistsException)
            {
            }
        }
    }

    private static byte[] TopicBytes(string? topic) => JsonSerializer.SerializeToUtf8Bytes(topic);

    private static string? ParseTopic(string table, string id, byte[] data)
    {
        try
        {
            return JsonSerializer.Deserialize<string?>(data);
        }
        catch (JsonException e)
        {
            throw new NbCorruptValueException(table, id, "its topic node is not a JSON string", e);
        }
    }

    private NbBackendUnavailableException Busy(string table, string id) =>
        new(Name, $"{_hosts}: {table}/{id} kept changing under {MaxAttempts} attempts");

    /// <summary>Runs one operation, turning session and connection failures into the NB error type.</summary>
    private async ValueTask<T> Run<T>(Func<CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (ZooKeeperException e)
        {
            throw new NbBackendUnavailableException(Name, $"{_hosts}: {e.Message}", e);
        }
        catch (ZooKeeperProtocolException e)
        {
            throw new NbBackendUnavailableException(Name, $"{_hosts}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client.Dispose();
        }
    }
}
