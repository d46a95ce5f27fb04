using System.Text.Json;
using Dragonflow.Model;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Observability;
using Dragonflow.NorthDb.PubSub;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.NorthDb;

/// <summary>
/// Typed access to the NB database over any <see cref="INbDriver"/>.
///
/// Versions: every object carries <see cref="NbObject.Version"/> (Neutron revision_number).
/// Create stores version 1; an update must be based on the stored version (the caller's
/// object has the version it read) and stores version + 1; anything else is a stale write and
/// fails with <see cref="NbVersionConflictException"/>, leaving the stored object unchanged.
/// The read-check-write is a compare-and-swap on the driver revision, so two writers racing
/// on the same version cannot both win.
///
/// Every successful write is published as a <see cref="DbUpdate"/> through the
/// <see cref="INbPublisher"/>. The raw methods (by table name, JSON text) serve the db CLI.
/// </summary>
public sealed class NbApi : IDisposable
{
    private const int MaxRetries = 1000;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly List<IDisposable> _owned = [];

    public NbApi(INbDriver driver, INbPublisher? publisher = null, ILogger<NbApi>? logger = null, TimeProvider? time = null)
    {
        // Counted and timed (dragonflow_nb_operations_total), for the typed API and raw Driver users alike.
        Driver = MeteredNbDriver.Wrap(driver);
        Publisher = publisher ?? new NullNbPublisher();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    public INbDriver Driver { get; }

    public INbPublisher Publisher { get; }

    /// <summary>Names of every NB table, in the order of <see cref="NbTables.All"/>.</summary>
    public static IReadOnlyList<string> TableNames { get; } = NbTables.All.Select(t => t.Name).ToArray();

    /// <summary>Disposes <paramref name="resource"/> together with this API (publisher registration, driver).</summary>
    internal void Own(IDisposable resource) => _owned.Add(resource);

    // ---- typed ----

    /// <summary>Stores a new object at version 1; fails with <see cref="NbKeyExistsException"/>.</summary>
    public async Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken = default) where T : NbObject, new()
    {
        var table = NbTables.Of<T>();
        RequireId(table.Name, obj.Id);
        var (oldVersion, oldCreated, oldUpdated) = (obj.Version, (obj as NeutronResource)?.CreatedAt, (obj as NeutronResource)?.UpdatedAt);
        obj.Version = 1;
        if (obj is NeutronResource r)
        {
            r.CreatedAt ??= Now;
            r.UpdatedAt = r.CreatedAt;
        }
        try
        {
            var json = table.Format(obj);
            await Driver.CreateAsync(table.Name, obj.Id, json, obj.Topic, cancellationToken);
            Publish(table.Name, obj.Id, DbUpdateAction.Create, json, obj.Topic, obj.Version);
            return obj;
        }
        catch
        {
            obj.Version = oldVersion;
            if (obj is NeutronResource back)
            {
                (back.CreatedAt, back.UpdatedAt) = (oldCreated, oldUpdated);
            }
            throw;
        }
    }

    /// <summary>The object, or null if there is none; <see cref="NbCorruptValueException"/> if unreadable.</summary>
    public async Task<T?> TryGetAsync<T>(string id, CancellationToken cancellationToken = default) where T : NbObject, new()
    {
        var table = NbTables.Of<T>();
        var entry = await Driver.GetAsync(table.Name, id, cancellationToken);
        return entry is null ? null : Parse(table, entry);
    }

    /// <summary>The object; <see cref="NbKeyNotFoundException"/> if there is none.</summary>
    public async Task<T> GetAsync<T>(string id, CancellationToken cancellationToken = default) where T : NbObject, new() =>
        await TryGetAsync<T>(id, cancellationToken) ?? throw new NbKeyNotFoundException(NbTables.Of<T>().Name, id);

    /// <summary>
    /// Stores <paramref name="obj"/> if the stored object still has <c>obj.Version</c>; on success
    /// <c>obj.Version</c> is the new version. Stale → <see cref="NbVersionConflictException"/>.
    /// </summary>
    public async Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken = default) where T : NbObject, new()
    {
        var table = NbTables.Of<T>();
        var entry = await Driver.GetAsync(table.Name, obj.Id, cancellationToken) ?? throw new NbKeyNotFoundException(table.Name, obj.Id);
        var current = Parse(table, entry);
        if (current.Version != obj.Version)
        {
            throw new NbVersionConflictException(table.Name, obj.Id, obj.Version, current.Version);
        }
        await WriteNextVersionAsync(table, obj, entry, current.Version, cancellationToken);
        return obj;
    }

    /// <summary>
    /// Read-modify-write with retry: <paramref name="mutate"/> gets the current object (a fresh
    /// copy on every attempt) and changes it in place; retried while another writer wins.
    /// </summary>
    public async Task<T> UpdateAsync<T>(string id, Action<T> mutate, CancellationToken cancellationToken = default) where T : NbObject, new()
    {
        var table = NbTables.Of<T>();
        for (var attempt = 0; ; attempt++)
        {
            var entry = await Driver.GetAsync(table.Name, id, cancellationToken) ?? throw new NbKeyNotFoundException(table.Name, id);
            var obj = Parse(table, entry);
            var version = obj.Version;
            mutate(obj);
            obj.Id = id;
            try
            {
                await WriteNextVersionAsync(table, obj, entry, version, cancellationToken);
                return obj;
            }
            catch (NbVersionConflictException) when (attempt < MaxRetries)
            {
                // Another writer got in between our read and our write: read again.
            }
        }
    }

    /// <summary>Deletes the object (only at <paramref name="expectedVersion"/> when given).</summary>
    public Task DeleteAsync<T>(string id, long? expectedVersion = null, CancellationToken cancellationToken = default) where T : NbObject, new() =>
        DeleteRawAsync(NbTables.Of<T>().Name, id, expectedVersion, cancellationToken);

    /// <summary>Every readable object of the table (or of one topic) plus the unreadable ones, reported.</summary>
    public async Task<NbListResult<T>> ListAsync<T>(string? topic = null, CancellationToken cancellationToken = default) where T : NbObject, new()
    {
        var table = NbTables.Of<T>();
        var entries = await Driver.ListAsync(table.Name, topic, cancellationToken);
        var items = new List<T>(entries.Count);
        var corrupt = new List<NbCorruptValueException>();
        foreach (var entry in entries)
        {
            try
            {
                items.Add(Parse(table, entry));
            }
            catch (NbCorruptValueException e)
            {
                corrupt.Add(e);
            }
        }
        return new NbListResult<T>(items, corrupt);
    }

    /// <summary>The next unique key of the table of <typeparamref name="T"/>.</summary>
    public Task<long> AllocateUniqueKeyAsync<T>(CancellationToken cancellationToken = default) where T : NbObject, new() =>
        Driver.AllocateUniqueKeyAsync(NbTables.Of<T>().Name, cancellationToken).AsTask();

    // ---- raw, by table name ----

    /// <summary>The ids of a table (or of one topic).</summary>
    public async Task<IReadOnlyList<string>> ListIdsAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        await Driver.ListIdsAsync(Table(table).Name, topic, cancellationToken);

    /// <summary>The stored entry as is (also when its value is corrupt), or null.</summary>
    public async Task<NbEntry?> GetRawAsync(string table, string id, CancellationToken cancellationToken = default) =>
        await Driver.GetAsync(Table(table).Name, id, cancellationToken);

    /// <summary>Every stored entry of a table as is.</summary>
    public async Task<IReadOnlyList<NbEntry>> DumpRawAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        await Driver.ListAsync(Table(table).Name, topic, cancellationToken);

    /// <summary>
    /// Creates an object from JSON (validated against the table's type; <see cref="NbInvalidValueException"/>
    /// if it is not one). The id comes from <paramref name="id"/> or the JSON's "id". Returns the stored JSON.
    /// </summary>
    public async Task<string> CreateRawAsync(string table, string? id, string json, CancellationToken cancellationToken = default)
    {
        var t = Table(table);
        var obj = ParseInput(t, id, json);
        obj.Version = 1;
        var stored = t.Serialize(obj);
        await Driver.CreateAsync(t.Name, obj.Id, stored, obj.Topic, cancellationToken);
        Publish(t.Name, obj.Id, DbUpdateAction.Create, stored, obj.Topic, obj.Version);
        return stored;
    }

    /// <summary>
    /// Replaces an object with JSON. If the JSON has a version it must be the stored one (else
    /// <see cref="NbVersionConflictException"/>); without one the replace is unconditional. A
    /// stored value that is corrupt can be replaced (that is how it gets repaired).
    /// Returns the stored JSON, at the next version.
    /// </summary>
    public async Task<string> UpdateRawAsync(string table, string id, string json, CancellationToken cancellationToken = default)
    {
        var t = Table(table);
        var obj = ParseInput(t, id, json);
        var entry = await Driver.GetAsync(t.Name, obj.Id, cancellationToken) ?? throw new NbKeyNotFoundException(t.Name, obj.Id);
        long currentVersion;
        try
        {
            currentVersion = Parse(t, entry).Version;
        }
        catch (NbCorruptValueException e)
        {
            _logger.LogWarning("replacing corrupt value of {Key}: {Error}", entry.Key, e.Message);
            currentVersion = 0;
        }
        if (obj.Version != 0 && obj.Version != currentVersion)
        {
            throw new NbVersionConflictException(t.Name, obj.Id, obj.Version, currentVersion);
        }
        obj.Version = currentVersion;
        await WriteNextVersionAsync(t, obj, entry, currentVersion, cancellationToken);
        return t.Serialize(obj);
    }

    /// <summary>Deletes a key (only at object <paramref name="expectedVersion"/> when given).</summary>
    public async Task DeleteRawAsync(string table, string id, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        var t = Table(table);
        long? expectedRevision = null;
        if (expectedVersion is { } v)
        {
            var entry = await Driver.GetAsync(t.Name, id, cancellationToken) ?? throw new NbKeyNotFoundException(t.Name, id);
            var current = Parse(t, entry).Version;
            if (current != v)
            {
                throw new NbVersionConflictException(t.Name, id, v, current);
            }
            expectedRevision = entry.Revision;
        }
        var deleted = await Driver.DeleteAsync(t.Name, id, expectedRevision, cancellationToken);
        Publish(t.Name, id, DbUpdateAction.Delete, deleted.Value, deleted.Topic, VersionOf(t, deleted));
    }

    /// <summary>Deletes every key of one table, or of all tables; returns how many were deleted.</summary>
    public async Task<int> CleanAsync(string? table = null, CancellationToken cancellationToken = default)
    {
        var tables = table is null ? NbTables.All : [Table(table)];
        var count = 0;
        foreach (var t in tables)
        {
            foreach (var id in await Driver.ListIdsAsync(t.Name, null, cancellationToken))
            {
                try
                {
                    await DeleteRawAsync(t.Name, id, null, cancellationToken);
                    count++;
                }
                catch (NbKeyNotFoundException)
                {
                    // Deleted by someone else meanwhile: the goal is reached either way.
                }
            }
        }
        return count;
    }

    // ---- internals ----

    private DateTimeOffset Now => _time.GetUtcNow();

    private static NbTable Table(string name) =>
        NbTables.TryGet(name, out var t) ? t : throw new NbUnknownTableException(name);

    private static void RequireId(string table, string id)
    {
        if (!NbKey.IsValidId(id))
        {
            throw new NbInvalidValueException(table, id, "id must be non-empty and contain no '/'");
        }
    }

    private async Task WriteNextVersionAsync(NbTable table, NbObject obj, NbEntry entry, long currentVersion, CancellationToken cancellationToken)
    {
        var (oldVersion, oldUpdated) = (obj.Version, (obj as NeutronResource)?.UpdatedAt);
        obj.Version = currentVersion + 1;
        if (obj is NeutronResource r)
        {
            r.UpdatedAt = Now;
        }
        try
        {
            var json = table.Serialize(obj);
            try
            {
                await Driver.UpdateAsync(table.Name, obj.Id, json, obj.Topic, entry.Revision, cancellationToken);
            }
            catch (NbVersionConflictException)
            {
                // Lost the race at the driver: report it in object versions, as callers see them.
                throw new NbVersionConflictException(table.Name, obj.Id, currentVersion, null);
            }
            Publish(table.Name, obj.Id, DbUpdateAction.Set, json, obj.Topic, obj.Version);
        }
        catch
        {
            obj.Version = oldVersion;
            if (obj is NeutronResource back)
            {
                back.UpdatedAt = oldUpdated;
            }
            throw;
        }
    }

    private static T Parse<T>(NbTable<T> table, NbEntry entry) where T : NbObject, new() => (T)Parse((NbTable)table, entry);

    private static NbObject Parse(NbTable table, NbEntry entry)
    {
        NbObject obj;
        try
        {
            obj = table.Deserialize(entry.Value);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new NbCorruptValueException(entry.Table, entry.Id, e.Message, e);
        }
        if (obj.Id.Length == 0)
        {
            obj.Id = entry.Id;
        }
        else if (obj.Id != entry.Id)
        {
            throw new NbCorruptValueException(entry.Table, entry.Id, $"value has id '{obj.Id}'");
        }
        return obj;
    }

    private static NbObject ParseInput(NbTable table, string? id, string json)
    {
        NbObject obj;
        try
        {
            obj = table.Deserialize(json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new NbInvalidValueException(table.Name, id, e.Message, e);
        }
        if (id is not null && obj.Id.Length != 0 && obj.Id != id)
        {
            throw new NbInvalidValueException(table.Name, id, $"value has id '{obj.Id}'");
        }
        obj.Id = id ?? obj.Id;
        RequireId(table.Name, obj.Id);
        return obj;
    }

    private static long VersionOf(NbTable table, NbEntry entry)
    {
        try
        {
            return table.Deserialize(entry.Value).Version;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            return 0;
        }
    }

    private void Publish(string table, string id, string action, string? value, string? topic, long version)
    {
        try
        {
            Publisher.Publish(new DbUpdate { Table = table, Key = id, Action = action, Value = value, Topic = topic, Version = version });
            NbMetrics.Published.WithLabels(table, NbMetrics.ActionLabel(action)).Inc();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The write is committed; subscribers will catch up through their periodic sync.
            NbMetrics.PublishFailures.Inc();
            _logger.LogError(e, "publishing {Action} of {Table}/{Id} failed", action, table, id);
        }
    }

    public void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        _owned.Clear();
    }
}
