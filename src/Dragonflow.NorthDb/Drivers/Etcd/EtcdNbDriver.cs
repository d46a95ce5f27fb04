using System.Text.Json;
using dotnet_etcd;
using Dragonflow.Model;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Dragonflow.NorthDb.Drivers.Etcd;

/// <summary>
/// NB driver on etcd v3 (nb_db_class = etcd, remote_db_hosts = host:port list) over gRPC.
/// A revision is the key's mod_revision, which etcd never hands out twice. Create is a txn on
/// create_revision == 0, update and delete are txns on mod_revision == expected, and each writes
/// the topic keys (<see cref="EtcdKeys"/>) in the same txn. Unique keys are a CAS loop on the
/// counter row. Changes are watched on the /openstack/ prefix (see EtcdNbDriver.Watch.cs).
///
/// Failover: with several remote_db_hosts the driver has a channel per member and uses one
/// member at a time (etcd forwards writes to the leader itself); an operation that fails with
/// gRPC Unavailable or DeadlineExceeded moves the following ones to the next member, and a broken
/// watch stream reopens on the next member. When a member (also the leader) dies, operations may fail with <see cref="NbBackendUnavailableException"/> for up to
/// <see cref="FailoverWindow"/> (calls in flight on the dead member, the election of a new
/// leader, an operation timeout); the driver does not retry by itself, since a write whose
/// answer was lost may or may not be stored. A caller retries within that window; a write that
/// failed this way is resolved by reading (a create then finds the key, a CAS the new revision);
/// what that read finds stays true, since a lost write can no longer land after it (the fence,
/// EtcdNbDriver.Fence.cs).
/// </summary>
public sealed partial class EtcdNbDriver : INbWatchableDriver
{
    /// <summary>
    /// How long a caller should keep retrying <see cref="NbBackendUnavailableException"/> after a
    /// member of a healthy majority dies: one operation timeout (5 s by default) plus an election
    /// (etcd's default election timeout is 1 s) and slack.
    /// </summary>
    public static readonly TimeSpan FailoverWindow = TimeSpan.FromSeconds(10);

    // etcd's default --max-txn-ops is 128; batched reads stay below it.
    private const int MaxTxnOps = 100;

    private readonly Member[] _members;
    private readonly TimeSpan _timeout;
    private readonly string _endpoints;
    private int _current;
    private int _disposed;

    /// <summary>One endpoint's own client; a channel per member, so a dead member never hides the live ones.</summary>
    private sealed record Member(EtcdClient Client, KV.KVClient Kv, Watch.WatchClient Watch);

    public EtcdNbDriver(IReadOnlyList<string> hosts, TimeSpan? operationTimeout = null)
    {
        if (hosts.Count == 0)
        {
            throw new NbConfigurationException("etcd: remote_db_hosts is empty");
        }
        _endpoints = string.Join(",", hosts);
        _timeout = operationTimeout ?? TimeSpan.FromSeconds(5);
        var members = new List<Member>();
        try
        {
            foreach (var host in hosts)
            {
                var client = new EtcdClient(
                    host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host,
                    configureChannelOptions: o =>
                    {
                        o.Credentials = ChannelCredentials.Insecure;
                        // A table listing can be large; etcd itself bounds single values (--max-request-bytes).
                        o.MaxReceiveMessageSize = null;
                        // Reconnect at least every second, not with gRPC's backoff of up to two
                        // minutes: an NB server coming back after an outage is used at once.
                        o.InitialReconnectBackoff = TimeSpan.FromMilliseconds(250);
                        o.MaxReconnectBackoff = TimeSpan.FromSeconds(1);
                        o.HttpHandler = new SocketsHttpHandler
                        {
                            ConnectTimeout = TimeSpan.FromSeconds(2),
                            EnableMultipleHttp2Connections = true,
                            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                        };
                    });
                var connection = client.GetConnection();
                members.Add(new Member(client, connection.KVClient, connection.WatchClient));
            }
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or InvalidOperationException)
        {
            members.ForEach(m => m.Client.Dispose());
            throw new NbConfigurationException($"etcd: unusable remote_db_hosts '{_endpoints}': {e.Message}");
        }
        _members = [.. members];
    }

    /// <summary>The KV client of the member in use.</summary>
    private KV.KVClient Kv => _members[Volatile.Read(ref _current)].Kv;

    /// <summary>After a failure on member <paramref name="failed"/>, the next calls go to the next member (unless another call moved on already).</summary>
    private void MoveOnFrom(int failed) => Interlocked.CompareExchange(ref _current, (failed + 1) % _members.Length, failed);

    public string Name => "etcd";

    public ValueTask<long> CreateAsync(string table, string id, string value, string? topic, CancellationToken cancellationToken = default) =>
        Run(async ct =>
        {
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare { Key = EtcdKeys.Value(table, id), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
            txn.Success.Add(Put(EtcdKeys.Value(table, id), value));
            if (topic is not null)
            {
                txn.Success.Add(Put(EtcdKeys.TopicOf(table, id), topic));
                txn.Success.Add(Put(EtcdKeys.TopicIndex(table, topic, id), ""));
            }
            var r = await WriteAsync(txn, ct);
            return r.Succeeded ? r.Header.Revision : throw new NbKeyExistsException(table, id);
        }, cancellationToken);

    public ValueTask<NbEntry?> GetAsync(string table, string id, CancellationToken cancellationToken = default) =>
        Run(ct => ReadAsync(table, id, ct), cancellationToken);

    public ValueTask<long> UpdateAsync(string table, string id, string value, string? topic, long expectedRevision, CancellationToken cancellationToken = default) =>
        Run(async ct =>
        {
            var current = await ReadAsync(table, id, ct) ?? throw new NbKeyNotFoundException(table, id);
            if (current.Revision != expectedRevision)
            {
                throw new NbVersionConflictException(table, id, expectedRevision, current.Revision);
            }
            // Every write puts the value key, so an unchanged mod_revision also vouches for the topic read above.
            var txn = new TxnRequest();
            txn.Compare.Add(ModRevisionIs(table, id, expectedRevision));
            txn.Success.Add(Put(EtcdKeys.Value(table, id), value));
            if (current.Topic is not null && current.Topic != topic)
            {
                txn.Success.Add(Delete(EtcdKeys.TopicIndex(table, current.Topic, id)));
            }
            if (topic is not null)
            {
                txn.Success.Add(Put(EtcdKeys.TopicOf(table, id), topic));
                txn.Success.Add(Put(EtcdKeys.TopicIndex(table, topic, id), ""));
            }
            else if (current.Topic is not null)
            {
                txn.Success.Add(Delete(EtcdKeys.TopicOf(table, id)));
            }
            var r = await WriteAsync(txn, ct);
            if (r.Succeeded)
            {
                return r.Header.Revision;
            }
            var now = await ReadAsync(table, id, ct) ?? throw new NbKeyNotFoundException(table, id);
            throw new NbVersionConflictException(table, id, expectedRevision, now.Revision);
        }, cancellationToken);

    public ValueTask<NbEntry> DeleteAsync(string table, string id, long? expectedRevision = null, CancellationToken cancellationToken = default) =>
        Run(async ct =>
        {
            while (true)
            {
                var current = await ReadAsync(table, id, ct) ?? throw new NbKeyNotFoundException(table, id);
                if (expectedRevision is { } expected && current.Revision != expected)
                {
                    throw new NbVersionConflictException(table, id, expected, current.Revision);
                }
                var txn = new TxnRequest();
                txn.Compare.Add(ModRevisionIs(table, id, current.Revision));
                txn.Success.Add(Delete(EtcdKeys.Value(table, id)));
                if (current.Topic is not null)
                {
                    txn.Success.Add(Delete(EtcdKeys.TopicOf(table, id)));
                    txn.Success.Add(Delete(EtcdKeys.TopicIndex(table, current.Topic, id)));
                }
                if ((await WriteAsync(txn, ct)).Succeeded)
                {
                    return current;
                }
                // Changed between read and txn: an unconditional delete tries again on what is there now.
            }
        }, cancellationToken);

    public ValueTask<IReadOnlyList<NbEntry>> ListAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<NbEntry>>(async ct =>
        {
            if (topic is null)
            {
                var txn = new TxnRequest();
                txn.Success.Add(new RequestOp { RequestRange = Prefix(NbKey.TablePrefix(table)) });
                txn.Success.Add(new RequestOp { RequestRange = Prefix(EtcdKeys.TopicOfPrefix(table)) });
                var r = await Kv.TxnAsync(txn, Options(ct));
                var topics = r.Responses[1].ResponseRange.Kvs
                    .Select(kv => (Id: EtcdKeys.IdAfter(kv.Key, EtcdKeys.TopicOfPrefix(table)), Topic: kv.Value.ToStringUtf8()))
                    .Where(t => t.Id is not null)
                    .ToDictionary(t => t.Id!, t => t.Topic, StringComparer.Ordinal);
                return r.Responses[0].ResponseRange.Kvs
                    .Select(kv => (Id: EtcdKeys.IdAfter(kv.Key, NbKey.TablePrefix(table)), Kv: kv))
                    .Where(e => e.Id is not null)
                    .Select(e => new NbEntry(table, e.Id!, e.Kv.Value.ToStringUtf8(), e.Kv.ModRevision, topics.GetValueOrDefault(e.Id!)))
                    .ToList();
            }

            // The index names the ids; their values are read at the index's revision, so the
            // answer is one consistent snapshot even when it takes several txns.
            var index = await Kv.RangeAsync(Prefix(EtcdKeys.TopicIndexPrefix(table, topic), keysOnly: true), Options(ct));
            var ids = IdsOf(index, EtcdKeys.TopicIndexPrefix(table, topic));
            var entries = new List<NbEntry>(ids.Count);
            foreach (var chunk in ids.Chunk(MaxTxnOps))
            {
                var txn = new TxnRequest();
                foreach (var id in chunk)
                {
                    txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdKeys.Value(table, id), Revision = index.Header.Revision } });
                }
                var r = await Kv.TxnAsync(txn, Options(ct));
                for (var i = 0; i < chunk.Length; i++)
                {
                    if (r.Responses[i].ResponseRange.Kvs is [var kv, ..])
                    {
                        entries.Add(new NbEntry(table, chunk[i], kv.Value.ToStringUtf8(), kv.ModRevision, topic));
                    }
                }
            }
            return entries;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListIdsAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<string>>(async ct =>
        {
            var prefix = topic is null ? NbKey.TablePrefix(table) : EtcdKeys.TopicIndexPrefix(table, topic);
            return IdsOf(await Kv.RangeAsync(Prefix(prefix, keysOnly: true), Options(ct)), prefix);
        }, cancellationToken);

    public ValueTask<long> AllocateUniqueKeyAsync(string table, CancellationToken cancellationToken = default) =>
        Run(async ct =>
        {
            var key = EtcdKeys.Value(NbTables.UniqueKey.Name, table);
            while (true)
            {
                var r = await Kv.RangeAsync(new RangeRequest { Key = key }, Options(ct));
                var current = r.Kvs.FirstOrDefault();
                var (value, version) = current is null ? (1L, 1L) : UniqueKeyCounterValue.Next(table, current.Value.ToStringUtf8());
                var json = $"{{\"id\":{JsonSerializer.Serialize(table)},\"version\":{version},\"value\":{value}}}";
                var txn = new TxnRequest();
                txn.Compare.Add(current is null
                    ? new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 }
                    : ModRevisionIs(NbTables.UniqueKey.Name, table, current.ModRevision));
                txn.Success.Add(Put(key, json));
                if ((await WriteAsync(txn, ct)).Succeeded)
                {
                    return value;
                }
                // Another allocator won this round; read its value and try the next one.
            }
        }, cancellationToken);

    private async Task<NbEntry?> ReadAsync(string table, string id, CancellationToken ct)
    {
        var txn = new TxnRequest();
        txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdKeys.Value(table, id) } });
        txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdKeys.TopicOf(table, id) } });
        var r = await Kv.TxnAsync(txn, Options(ct));
        if (r.Responses[0].ResponseRange.Kvs is not [var kv, ..])
        {
            return null;
        }
        var topic = r.Responses[1].ResponseRange.Kvs is [var t, ..] ? t.Value.ToStringUtf8() : null;
        return new NbEntry(table, id, kv.Value.ToStringUtf8(), kv.ModRevision, topic);
    }

    private static List<string> IdsOf(RangeResponse r, string prefix) =>
        r.Kvs.Select(kv => EtcdKeys.IdAfter(kv.Key, prefix)).OfType<string>().ToList();

    private static RangeRequest Prefix(string prefix, bool keysOnly = false) =>
        new() { Key = EtcdKeys.Bytes(prefix), RangeEnd = EtcdKeys.PrefixEnd(prefix), KeysOnly = keysOnly };

    private static Compare ModRevisionIs(string table, string id, long revision) =>
        new() { Key = EtcdKeys.Value(table, id), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = revision };

    private static RequestOp Put(ByteString key, string value) =>
        new() { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(value) } };

    private static RequestOp Delete(ByteString key) =>
        new() { RequestDeleteRange = new DeleteRangeRequest { Key = key } };

    private CallOptions Options(CancellationToken ct) => new(deadline: DateTime.UtcNow + _timeout, cancellationToken: ct);

    /// <summary>Runs one operation, turning gRPC failures (server away, deadline passed) into the NB error type.</summary>
    private async ValueTask<T> Run<T>(Func<CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var member = Volatile.Read(ref _current);
        try
        {
            await PassFenceAsync(cancellationToken).ConfigureAwait(false);
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            FenceAfterFailure();
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException e)
        {
            FenceAfterFailure();
            if (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                MoveOnFrom(member);
            }
            throw Unavailable(e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Not the caller's cancellation: the gRPC/HTTP client gave up on its own, seen while a
            // killed server's connection is torn down. That is the server not answering.
            FenceAfterFailure();
            MoveOnFrom(member);
            throw new NbBackendUnavailableException(Name, $"{_endpoints}: the call was abandoned: {e.Message}", e);
        }
    }

    private NbBackendUnavailableException Unavailable(RpcException e) =>
        new(Name, $"{_endpoints}: {e.Status.StatusCode}: {e.Status.Detail}", e);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            RemoveFence();
            foreach (var m in _members)
            {
                m.Client.Dispose();
            }
        }
    }
}
