using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Dragonflow.ZooKeeper;

namespace Dragonflow.NorthDb.Drivers.ZooKeeper;

/// <summary>
/// The watch half of the zookeeper driver. ZooKeeper watches fire once and carry no data, so
/// they cannot report every change with its value; instead each write's multi also creates a
/// persistent sequential node /openstack/.changes/c-NNNNNNNNNN holding {action, table, id,
/// topic, value[, revision]}. Sequence numbers follow commit order, and the node's czxid is the
/// write's zxid, i.e. the revision of a create or set (a delete records the revision it
/// removed). A watch lists the journal with a child watch, reads new nodes in order and waits
/// for the next child event (or a 1 s poll, which also covers a lost session).
///
/// A value above <see cref="JournalValueLimit"/> bytes is left out of its record, so a write
/// stays within jute.maxbuffer (1 MiB by default): the watch then reads the value node and
/// reports the change only if the node is still at that revision (a later record for the key
/// follows otherwise), and reports such a delete with an empty value.
///
/// Writers keep the journal at <see cref="KeepChanges"/> nodes (checked every <see cref="TrimEvery"/> writes), recording the highest trimmed
/// sequence in the journal node's data; a watch that falls behind it ends with an
/// <see cref="NbException"/> (resync needed), as an etcd watch does after compaction.
/// </summary>
public sealed partial class ZooKeeperNbDriver
{
    // ZooKeeper keeps every node in memory: the journal stays below KeepChanges x this limit.
    private const int JournalValueLimit = 8 * 1024;
    private static readonly TimeSpan WatchPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WatchRetryDelay = TimeSpan.FromMilliseconds(300);
    private int _writes;

    /// <summary>Journal records kept by trimming.</summary>
    internal int KeepChanges { get; init; } = 5_000;

    /// <summary>This driver's writes between two trims.</summary>
    internal int TrimEvery { get; init; } = 500;
    private int _trimming;

    public async IAsyncEnumerable<NbChange> WatchAsync(string? table, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        using var wake = new SemaphoreSlim(0);
        void OnEvent(object? sender, ZooKeeperWatchEvent e)
        {
            if (e.Path == ZooKeeperPaths.Changes || e.Type == WatchEventType.None)
            {
                wake.Release();
            }
        }
        _client.WatchEvent += OnEvent;
        try
        {
            long? last = null; // null: start from the journal's end as it is now
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (batch, next) = await ReadJournalAsync(last, table, cancellationToken);
                if (next is null)
                {
                    await Task.Delay(WatchRetryDelay, cancellationToken);
                    continue;
                }
                last = next;
                foreach (var change in batch)
                {
                    yield return change;
                }
                if (batch.Count == 0)
                {
                    await wake.WaitAsync(WatchPoll, cancellationToken);
                }
            }
        }
        finally
        {
            _client.WatchEvent -= OnEvent;
        }
    }

    /// <summary>
    /// The changes after sequence <paramref name="after"/> (all of them: a later one may belong to
    /// another table) and the last sequence read; a null sequence when ZooKeeper is unreachable.
    /// </summary>
    private async Task<(List<NbChange> Changes, long? Last)> ReadJournalAsync(long? after, string? table, CancellationToken ct)
    {
        var changes = new List<NbChange>();
        try
        {
            var listing = await _client.GetChildrenAsync(ZooKeeperPaths.Changes, watch: true, ct);
            var sequences = listing.Children.Select(ZooKeeperPaths.ChangeSequence).OfType<long>().Order().ToList();
            if (after is not { } last)
            {
                return (changes, sequences.Count == 0 ? -1 : sequences[^1]);
            }
            var fresh = sequences.Where(s => s > last).ToList();
            if (fresh.Count == 0)
            {
                return (changes, last);
            }
            if (await TrimmedThroughAsync(ct) > last)
            {
                throw new NbException($"zookeeper change journal was trimmed past sequence {last}; resync needed");
            }
            var reads = fresh.Select(s => _client.GetDataAsync($"{ZooKeeperPaths.Changes}/{ZooKeeperPaths.ChangePrefix}{s:D10}", cancellationToken: ct)).ToList();
            foreach (var read in reads)
            {
                var node = await read;
                if (ParseChange(node) is not { } change || (table is not null && change.Entry.Table != table))
                {
                    continue;
                }
                if (change.Entry.Value is null)
                {
                    // Left out for size: still current, or superseded by a later record.
                    var current = await ReadAsync(change.Entry.Table, change.Entry.Id, ct);
                    if (current is null || current.Entry.Revision != change.Entry.Revision)
                    {
                        continue;
                    }
                    change = change with { Entry = change.Entry with { Value = current.Entry.Value } };
                }
                changes.Add(change);
            }
            return (changes, fresh[^1]);
        }
        catch (ZooKeeperNoNodeException e) when (e.Path == ZooKeeperPaths.Changes)
        {
            await EnsureAncestorsAsync(null, null, ct);
            return (changes, after);
        }
        catch (ZooKeeperNoNodeException)
        {
            throw new NbException($"zookeeper change journal was trimmed past sequence {after}; resync needed");
        }
        catch (ZooKeeperException) when (!ct.IsCancellationRequested)
        {
            return (changes, null);
        }
    }

    private async Task<long> TrimmedThroughAsync(CancellationToken ct)
    {
        var data = (await _client.GetDataAsync(ZooKeeperPaths.Changes, cancellationToken: ct)).Data;
        return long.TryParse(Encoding.ASCII.GetString(data), out var n) ? n : -1;
    }

    private static NbChange? ParseChange(ZNodeData node)
    {
        try
        {
            using var doc = JsonDocument.Parse(node.Data);
            var r = doc.RootElement;
            var revision = r.TryGetProperty("revision", out var rev) && rev.ValueKind == JsonValueKind.Number ? rev.GetInt64() : node.Stat.Czxid;
            var topic = r.TryGetProperty("topic", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var action = r.GetProperty("action").GetString()!;
            // A value left out for size is null here (resolved by the caller) and "" for a delete.
            var value = r.TryGetProperty("value", out var v) ? v.GetString() : action == "delete" ? "" : null;
            return new NbChange(action, new NbEntry(r.GetProperty("table").GetString()!, r.GetProperty("id").GetString()!, value!, revision, topic));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null; // not a record this driver wrote
        }
    }

    /// <summary>The journal op of a write; <paramref name="revision"/> only for deletes (otherwise the node's czxid).</summary>
    private static ZooKeeperOp Journal(string action, string table, string id, string? topic, string value, long? revision)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("action", action);
            w.WriteString("table", table);
            w.WriteString("id", id);
            if (topic is null)
            {
                w.WriteNull("topic");
            }
            else
            {
                w.WriteString("topic", topic);
            }
            if (value.Length <= JournalValueLimit / 3 || Encoding.UTF8.GetByteCount(value) <= JournalValueLimit)
            {
                w.WriteString("value", value);
            }
            if (revision is { } r)
            {
                w.WriteNumber("revision", r);
            }
            w.WriteEndObject();
        }
        return ZooKeeperOp.Create($"{ZooKeeperPaths.Changes}/{ZooKeeperPaths.ChangePrefix}", buffer.ToArray(), CreateMode.PersistentSequential);
    }

    /// <summary>Every <see cref="TrimEvery"/> writes of this driver, trims the journal in the background.</summary>
    private ValueTask AfterWriteAsync()
    {
        if (Interlocked.Increment(ref _writes) % TrimEvery == 0 && Interlocked.Exchange(ref _trimming, 1) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await TrimJournalAsync();
                }
                catch (Exception e) when (e is ZooKeeperException or ObjectDisposedException)
                {
                    // Next time; the journal only grows meanwhile.
                }
                finally
                {
                    Volatile.Write(ref _trimming, 0);
                }
            });
        }
        return ValueTask.CompletedTask;
    }

    private async Task TrimJournalAsync()
    {
        var sequences = (await _client.GetChildrenAsync(ZooKeeperPaths.Changes)).Children
            .Select(ZooKeeperPaths.ChangeSequence).OfType<long>().Order().ToList();
        if (sequences.Count <= KeepChanges)
        {
            return;
        }
        var doomed = sequences.Take(sequences.Count - KeepChanges).ToList();
        // Mark first, so a watch never misses a trimmed change unnoticed.
        if (await TrimmedThroughAsync(CancellationToken.None) < doomed[^1])
        {
            await _client.SetDataAsync(ZooKeeperPaths.Changes, Encoding.ASCII.GetBytes(doomed[^1].ToString()));
        }
        foreach (var chunk in doomed.Chunk(ReadBatch))
        {
            await Task.WhenAll(chunk.Select(async s =>
            {
                try
                {
                    await _client.DeleteAsync($"{ZooKeeperPaths.Changes}/{ZooKeeperPaths.ChangePrefix}{s:D10}");
                }
                catch (ZooKeeperNoNodeException)
                {
                }
            }));
        }
    }
}
