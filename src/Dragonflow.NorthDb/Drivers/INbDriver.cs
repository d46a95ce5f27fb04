namespace Dragonflow.NorthDb.Drivers;

/// <summary>
/// The contract every NB backend (etcd, redis, zookeeper, sqlite) implements. A driver stores
/// opaque JSON text under <c>/openstack/&lt;table&gt;/&lt;id&gt;</c>; it never parses values.
///
/// Revisions: each stored value carries a backend revision, a positive number that changes on
/// every write of that key and is never reused for the key, also after delete and re-create
/// (etcd: mod_revision; redis: a per-database counter bumped in the same MULTI/Lua script;
/// zookeeper: the czxid/mzxid pair or a counter, since the znode version restarts at 0 on
/// re-create; sqlite: a database-wide counter). Updates and deletes are compare-and-swap on it.
///
/// Topics: the topic is passed explicitly on every write so a driver can index it without
/// parsing the value (sqlite: a column with an index; redis: a set per table and topic kept in
/// the same transaction; etcd: an index key /openstack/.topic/&lt;table&gt;/&lt;topic&gt;/&lt;id&gt; in
/// the same txn; zookeeper: a multi-op). Null topic means a global object (chassis, publisher).
///
/// Errors: <see cref="NbKeyExistsException"/>, <see cref="NbKeyNotFoundException"/>,
/// <see cref="NbVersionConflictException"/> (expected/actual are revisions here),
/// <see cref="NbBackendUnavailableException"/>. Table names are validated by the caller.
/// Implementations are safe for concurrent use by many threads.
/// </summary>
public interface INbDriver : IDisposable
{
    /// <summary>The nb_db_class name: sqlite, etcd, redis, zookeeper, ovsdb.</summary>
    string Name { get; }

    /// <summary>Stores a new key; fails with <see cref="NbKeyExistsException"/> if it exists. Returns the revision.</summary>
    ValueTask<long> CreateAsync(string table, string id, string value, string? topic, CancellationToken cancellationToken = default);

    /// <summary>The stored entry, or null if the key does not exist.</summary>
    ValueTask<NbEntry?> GetAsync(string table, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the value if its revision is still <paramref name="expectedRevision"/>; the topic
    /// index moves if the topic changed. Returns the new revision.
    /// </summary>
    ValueTask<long> UpdateAsync(string table, string id, string value, string? topic, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Deletes the key (only at <paramref name="expectedRevision"/> when given) and returns what was stored.</summary>
    ValueTask<NbEntry> DeleteAsync(string table, string id, long? expectedRevision = null, CancellationToken cancellationToken = default);

    /// <summary>All entries of a table, or those of one topic, ordered by id.</summary>
    ValueTask<IReadOnlyList<NbEntry>> ListAsync(string table, string? topic = null, CancellationToken cancellationToken = default);

    /// <summary>The ids of a table, or those of one topic, ordered.</summary>
    ValueTask<IReadOnlyList<string>> ListIdsAsync(string table, string? topic = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically hands out the next unique key of <paramref name="table"/> (1, 2, 3, ...), never
    /// the same one twice, also across processes. The counter lives at /openstack/unique_key/&lt;table&gt;
    /// as <c>{"id":table,"value":last,"version":n}</c>.
    /// </summary>
    ValueTask<long> AllocateUniqueKeyAsync(string table, CancellationToken cancellationToken = default);
}

/// <summary>What happened to a key, as reported by <see cref="INbWatchableDriver"/>.</summary>
public sealed record NbChange(string Action, NbEntry Entry);

/// <summary>
/// Optional capability of backends with native change notification (etcd watch, zookeeper
/// watches, redis keyspace notifications). Callers test for it with <c>driver is INbWatchableDriver</c>.
/// </summary>
public interface INbWatchableDriver : INbDriver
{
    /// <summary>Changes to <paramref name="table"/> (all tables when null) in commit order, until cancelled.</summary>
    IAsyncEnumerable<NbChange> WatchAsync(string? table, CancellationToken cancellationToken = default);
}
