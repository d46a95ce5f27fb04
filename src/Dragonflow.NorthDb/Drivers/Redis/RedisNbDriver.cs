using Dragonflow.Model;
using StackExchange.Redis;

namespace Dragonflow.NorthDb.Drivers.Redis;

/// <summary>
/// NB driver on a redis server (nb_db_class = redis, remote_db_hosts = host:port list). Every
/// write is one Lua script (<see cref="RedisScripts"/>), so value, revision counter and the table
/// and topic index sets change together or not at all, also with many writers in many processes.
///
/// The connection is made with AbortOnConnectFail=false and fail-fast backlog: while the server
/// is away, calls fail at once with <see cref="NbBackendUnavailableException"/> instead of
/// queueing, and the multiplexer keeps reconnecting in the background, so calls work again as
/// soon as the server is back.
/// </summary>
public sealed class RedisNbDriver : INbDriver
{
    private const string Prefix = NbKey.Root;

    private readonly ConnectionMultiplexer _connection;
    private readonly string _endpoints;
    private int _disposed;

    public RedisNbDriver(IReadOnlyList<string> hosts, TimeSpan? connectTimeout = null, TimeSpan? operationTimeout = null)
    {
        _endpoints = string.Join(",", hosts);
        _connection = RedisConnection.Open(hosts, "dragonflow-nb", connectTimeout, operationTimeout);
    }

    public string Name => "redis";

    public ValueTask<long> CreateAsync(string table, string id, string value, string? topic, CancellationToken cancellationToken = default) =>
        Run(async db =>
        {
            var r = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.Create, values: [Prefix, table, id, value, topic is null ? "0" : "1", topic ?? ""]))!;
            return (int)r[0] == 1 ? (long)r[1] : throw new NbKeyExistsException(table, id);
        }, cancellationToken);

    public ValueTask<NbEntry?> GetAsync(string table, string id, CancellationToken cancellationToken = default) =>
        Run(async db =>
        {
            var f = await db.HashGetAsync(NbKey.For(table, id), ["value", "revision", "topic"]);
            return f[0].IsNull ? null : new NbEntry(table, id, f[0]!, (long)f[1], f[2].IsNull ? null : (string?)f[2]);
        }, cancellationToken);

    public ValueTask<long> UpdateAsync(string table, string id, string value, string? topic, long expectedRevision, CancellationToken cancellationToken = default) =>
        Run(async db =>
        {
            var r = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.Update,
                values: [Prefix, table, id, value, topic is null ? "0" : "1", topic ?? "", expectedRevision]))!;
            return (int)r[0] switch
            {
                1 => (long)r[1],
                2 => throw new NbVersionConflictException(table, id, expectedRevision, (long)r[1]),
                _ => throw new NbKeyNotFoundException(table, id),
            };
        }, cancellationToken);

    public ValueTask<NbEntry> DeleteAsync(string table, string id, long? expectedRevision = null, CancellationToken cancellationToken = default) =>
        Run(async db =>
        {
            var r = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.Delete,
                values: [Prefix, table, id, expectedRevision is null ? "0" : "1", expectedRevision ?? 0]))!;
            return (int)r[0] switch
            {
                1 => new NbEntry(table, id, (string)r[1]!, (long)r[2], r[3].IsNull ? null : (string?)r[3]),
                2 => throw new NbVersionConflictException(table, id, expectedRevision ?? 0, (long)r[1]),
                _ => throw new NbKeyNotFoundException(table, id),
            };
        }, cancellationToken);

    public ValueTask<IReadOnlyList<NbEntry>> ListAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<NbEntry>>(async db =>
        {
            var r = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.List, values: [Prefix, table, topic is null ? "0" : "1", topic ?? ""]))!;
            var entries = new List<NbEntry>(r.Length / 4);
            for (var i = 0; i + 3 < r.Length; i += 4)
            {
                entries.Add(new NbEntry(table, (string)r[i]!, (string)r[i + 1]!, (long)r[i + 2], r[i + 3].IsNull ? null : (string?)r[i + 3]));
            }
            entries.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
            return entries;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListIdsAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<string>>(async db =>
        {
            var set = topic is null ? $"{Prefix}.table/{table}" : $"{Prefix}.topic/{table}/{topic}";
            var ids = (await db.SetMembersAsync(set)).Select(v => (string)v!).ToList();
            ids.Sort(string.CompareOrdinal);
            return ids;
        }, cancellationToken);

    public ValueTask<long> AllocateUniqueKeyAsync(string table, CancellationToken cancellationToken = default) =>
        Run(async db =>
        {
            var r = (RedisResult[])(await db.ScriptEvaluateAsync(RedisScripts.AllocateUniqueKey, values: [Prefix, table]))!;
            return (int)r[0] == 1 ? (long)r[1] : throw new NbCorruptValueException(NbTables.UniqueKey.Name, table, $"not a unique key counter: {(string?)r[1]}");
        }, cancellationToken);

    /// <summary>Runs one round trip, turning redis' connection and server failures into the NB error type.</summary>
    private async ValueTask<T> Run<T>(Func<IDatabase, Task<T>> body, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        try
        {
            // StackExchange.Redis commands cannot be cancelled once sent; the caller stops waiting.
            return await body(_connection.GetDatabase()).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisConnectionException e)
        {
            throw new NbBackendUnavailableException(Name, $"{_endpoints}: {e.Message}", e);
        }
        catch (RedisTimeoutException e)
        {
            throw new NbBackendUnavailableException(Name, $"{_endpoints}: no reply in time: {e.Message}", e);
        }
        catch (RedisServerException e)
        {
            throw new NbBackendUnavailableException(Name, $"{_endpoints}: server refused: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _connection.Dispose();
        }
    }
}
