using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Drivers;

namespace Dragonflow.Server.Tests;

/// <summary>
/// A real NB driver with one fault injected at its boundary: the first write of a chosen kind
/// (create, update or delete of a table) is carried out by the real backend, then the backend is made
/// to go away and the caller hears "unavailable", as when an outage swallows the answer of a
/// write that landed. Used where hitting that instant with a real outage would be luck.
/// </summary>
sealed class LostAnswerDriver(INbDriver inner, Action goAway) : INbDriver
{
    string? _operation;
    string? _table;
    int _armed;

    public string Name => inner.Name;

    /// <summary>True once the armed write has been carried out and its answer lost.</summary>
    public bool Fired => Volatile.Read(ref _armed) == 2;

    /// <summary>Arms the fault for the next "create", "update" or "delete" of <paramref name="table"/>.</summary>
    public void LoseAnswerOfNext(string operation, string table)
    {
        (_operation, _table) = (operation, table);
        Volatile.Write(ref _armed, 1);
    }

    async ValueTask<T> WriteAsync<T>(string operation, string table, Func<ValueTask<T>> write)
    {
        if (Volatile.Read(ref _armed) != 1 || operation != _operation || table != _table || Interlocked.CompareExchange(ref _armed, 2, 1) != 1)
            return await write();
        await write();
        goAway();
        throw new NbBackendUnavailableException(inner.Name, $"the answer to {operation} {table} was lost (injected)");
    }

    public ValueTask<long> CreateAsync(string table, string id, string value, string? topic, CancellationToken cancellationToken = default) =>
        WriteAsync("create", table, () => inner.CreateAsync(table, id, value, topic, cancellationToken));

    public ValueTask<long> UpdateAsync(string table, string id, string value, string? topic, long expectedRevision, CancellationToken cancellationToken = default) =>
        WriteAsync("update", table, () => inner.UpdateAsync(table, id, value, topic, expectedRevision, cancellationToken));

    public ValueTask<NbEntry?> GetAsync(string table, string id, CancellationToken cancellationToken = default) => inner.GetAsync(table, id, cancellationToken);

    public ValueTask<NbEntry> DeleteAsync(string table, string id, long? expectedRevision = null, CancellationToken cancellationToken = default) =>
        WriteAsync("delete", table, () => inner.DeleteAsync(table, id, expectedRevision, cancellationToken));

    public ValueTask<IReadOnlyList<NbEntry>> ListAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(table, topic, cancellationToken);

    public ValueTask<IReadOnlyList<string>> ListIdsAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        inner.ListIdsAsync(table, topic, cancellationToken);

    public ValueTask<long> AllocateUniqueKeyAsync(string table, CancellationToken cancellationToken = default) =>
        inner.AllocateUniqueKeyAsync(table, cancellationToken);

    public void Dispose() => inner.Dispose();
}
