using System.Runtime.CompilerServices;
using Dragonflow.Model;
using Dragonflow.NorthDb.PubSub;
using Etcdserverpb;
using Grpc.Core;
using Mvccpb;

namespace Dragonflow.NorthDb.Drivers.Etcd;

/// <summary>
/// The watch half of the etcd driver. One watch stream covers /openstack/ with prev_kv, so a
/// delete still carries the value it removed. All events of one txn share a revision and arrive
/// in one response; the topic comes from the .topic-of key written in the same txn. When the
/// stream breaks (server restart, network), it is re-created from the revision after the last
/// one delivered, so no change is lost or repeated — unless etcd compacted that history away,
/// which ends the watch with an <see cref="NbException"/> (the caller must resync).
/// </summary>
public sealed partial class EtcdNbDriver
{
    private static readonly TimeSpan WatchRetryDelay = TimeSpan.FromMilliseconds(300);

    public async IAsyncEnumerable<NbChange> WatchAsync(string? table, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        long next = 0; // 0: from now; afterwards the first revision not yet delivered
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var member = Volatile.Read(ref _current);
            var call = await OpenWatchAsync(_members[member].Watch, next, cancellationToken);
            if (call is not null)
            {
                using (call)
                {
                    while (await ReadWatchAsync(call, cancellationToken) is { } response)
                    {
                        if (response.CompactRevision > 0)
                        {
                            throw new NbException($"etcd watch from revision {next} is gone: history compacted to {response.CompactRevision}; resync needed");
                        }
                        if (response.Canceled)
                        {
                            throw new NbException($"etcd watch cancelled by the server: {response.CancelReason}");
                        }
                        if (response.Created && next == 0)
                        {
                            next = response.Header.Revision + 1;
                        }
                        foreach (var change in Decode(response, table))
                        {
                            yield return change;
                        }
                        if (response.Events.Count > 0)
                        {
                            next = response.Events[^1].Kv.ModRevision + 1;
                        }
                    }
                }
            }
            // The stream broke or did not open: reopen it on the next member.
            MoveOnFrom(member);
            await Task.Delay(WatchRetryDelay, cancellationToken);
        }
    }

    private async Task<AsyncDuplexStreamingCall<WatchRequest, WatchResponse>?> OpenWatchAsync(Watch.WatchClient watch, long startRevision, CancellationToken ct)
    {
        var call = watch.Watch(cancellationToken: ct);
        try
        {
            await call.RequestStream.WriteAsync(new WatchRequest
            {
                CreateRequest = new WatchCreateRequest
                {
                    Key = EtcdKeys.Bytes(NbKey.Root),
                    RangeEnd = EtcdKeys.PrefixEnd(NbKey.Root),
                    StartRevision = startRevision,
                    PrevKv = true,
                },
            }, ct);
            return call;
        }
        catch (RpcException) when (!ct.IsCancellationRequested)
        {
            call.Dispose();
            return null;
        }
        catch (InvalidOperationException) when (!ct.IsCancellationRequested)
        {
            // The call already failed before the request could be written.
            call.Dispose();
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Not our cancellation: the HTTP/2 client gave up on a connection being torn down.
            call.Dispose();
            return null;
        }
    }

    /// <summary>The next response, or null when the stream broke and must be re-created.</summary>
    private static async Task<WatchResponse?> ReadWatchAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, CancellationToken ct)
    {
        try
        {
            return await call.ResponseStream.MoveNext(ct) ? call.ResponseStream.Current : null;
        }
        catch (RpcException) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException(ct);
        }
        catch (RpcException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Not our cancellation: seen when a killed server's connection is torn down under
            // the stream. The stream is broken like any other, and is re-created.
            return null;
        }
    }

    private static List<NbChange> Decode(WatchResponse response, string? table)
    {
        var changes = new List<NbChange>();
        foreach (var txn in response.Events.GroupBy(e => e.Kv.ModRevision))
        {
            // Topic per (table, id) as this txn left it: a put names it, a delete removes it.
            var topics = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var e in txn)
            {
                var key = e.Kv.Key.ToStringUtf8();
                if (key.StartsWith($"{NbKey.Root}.topic-of/", StringComparison.Ordinal))
                {
                    var tableAndId = key[$"{NbKey.Root}.topic-of/".Length..];
                    topics[tableAndId] = e.Type == Event.Types.EventType.Put ? e.Kv.Value.ToStringUtf8() : e.PrevKv?.Value.ToStringUtf8();
                }
            }
            foreach (var e in txn)
            {
                if (!NbKey.TryParse(e.Kv.Key.ToStringUtf8(), out var t, out var id) || t.StartsWith('.') || !NbKey.IsValidId(id) || (table is not null && t != table))
                {
                    continue;
                }
                var topic = topics.GetValueOrDefault($"{t}/{id}");
                if (e.Type == Event.Types.EventType.Put)
                {
                    var action = e.Kv.Version == 1 ? DbUpdateAction.Create : DbUpdateAction.Set;
                    changes.Add(new NbChange(action, new NbEntry(t, id, e.Kv.Value.ToStringUtf8(), e.Kv.ModRevision, topic)));
                }
                else
                {
                    var prev = e.PrevKv;
                    changes.Add(new NbChange(DbUpdateAction.Delete, new NbEntry(t, id, prev?.Value.ToStringUtf8() ?? "", prev?.ModRevision ?? e.Kv.ModRevision, topic)));
                }
            }
        }
        return changes;
    }
}
