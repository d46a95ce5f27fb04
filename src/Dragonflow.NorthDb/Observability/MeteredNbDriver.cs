using System.Diagnostics;
using Dragonflow.NorthDb.Drivers;

namespace Dragonflow.NorthDb.Observability;

/// <summary>
/// An <see cref="INbDriver"/> that counts and times every call of the driver it wraps
/// (<see cref="NbMetrics.Operations"/>, <see cref="NbMetrics.OperationSeconds"/>). NbApi puts one
/// around its driver, so the typed API and the callers that use <see cref="NbApi.Driver"/>
/// directly are measured alike. Watching is passed through untimed (<see cref="MeteredWatchableNbDriver"/>).
/// </summary>
public class MeteredNbDriver(INbDriver inner) : INbDriver
{
    /// <summary>Wraps <paramref name="driver"/>, keeping its watch capability; a metered driver is returned as is.</summary>
    public static INbDriver Wrap(INbDriver driver) => driver switch
    {
        MeteredNbDriver => driver,
        INbWatchableDriver watchable => new MeteredWatchableNbDriver(watchable),
        _ => new MeteredNbDriver(driver),
    };

    public INbDriver Inner { get; } = inner;

    public string Name => Inner.Name;

    public ValueTask<long> CreateAsync(string table, string id, string value, string? topic, CancellationToken cancellationToken = default) =>
        Measure("create", table, () => Inner.CreateAsync(table, id, value, topic, cancellationToken));

    public ValueTask<NbEntry?> GetAsync(string table, string id, CancellationToken cancellationToken = default) =>
        Measure("get", table, () => Inner.GetAsync(table, id, cancellationToken));

    public ValueTask<long> UpdateAsync(string table, string id, string value, string? topic, long expectedRevision, CancellationToken cancellationToken = default) =>
        Measure("update", table, () => Inner.UpdateAsync(table, id, value, topic, expectedRevision, cancellationToken));

    public ValueTask<NbEntry> DeleteAsync(string table, string id, long? expectedRevision = null, CancellationToken cancellationToken = default) =>
        Measure("delete", table, () => Inner.DeleteAsync(table, id, expectedRevision, cancellationToken));

    public ValueTask<IReadOnlyList<NbEntry>> ListAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        Measure("list", table, () => Inner.ListAsync(table, topic, cancellationToken));

    public ValueTask<IReadOnlyList<string>> ListIdsAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        Measure("list_ids", table, () => Inner.ListIdsAsync(table, topic, cancellationToken));

    public ValueTask<long> AllocateUniqueKeyAsync(string table, CancellationToken cancellationToken = default) =>
        Measure("allocate", table, () => Inner.AllocateUniqueKeyAsync(table, cancellationToken));

    public void Dispose() => Inner.Dispose();

    /// <summary>Counters beyond the NB tables (segment_vxlan, segment_vlan_physnet ...) share one label.</summary>
    static string TableLabel(string table) => Model.NbTables.TryGet(table, out _) ? table : "other";

    /// <summary>Times <paramref name="start"/>; drivers that work synchronously throw from the call itself, so it is made here.</summary>
    ValueTask<T> Measure<T>(string op, string table, Func<ValueTask<T>> start)
    {
        table = TableLabel(table);
        var started = Stopwatch.GetTimestamp();
        ValueTask<T> call;
        try
        {
            call = start();
        }
        catch (Exception e)
        {
            NbMetrics.Record(Name, op, table, NbMetrics.ResultOf(e), Stopwatch.GetElapsedTime(started));
            throw;
        }
        if (call.IsCompletedSuccessfully)
        {
            NbMetrics.Record(Name, op, table, "ok", Stopwatch.GetElapsedTime(started));
            return call;
        }
        return Awaited(op, table, call, started);
    }

    async ValueTask<T> Awaited<T>(string op, string table, ValueTask<T> call, long started)
    {
        try
        {
            var result = await call.ConfigureAwait(false);
            NbMetrics.Record(Name, op, table, "ok", Stopwatch.GetElapsedTime(started));
            return result;
        }
        catch (Exception e)
        {
            NbMetrics.Record(Name, op, table, NbMetrics.ResultOf(e), Stopwatch.GetElapsedTime(started));
            throw;
        }
    }
}

/// <summary>A <see cref="MeteredNbDriver"/> over a driver that can watch.</summary>
public sealed class MeteredWatchableNbDriver(INbWatchableDriver inner) : MeteredNbDriver(inner), INbWatchableDriver
{
    public IAsyncEnumerable<NbChange> WatchAsync(string? table, CancellationToken cancellationToken = default) =>
        inner.WatchAsync(table, cancellationToken);
}
