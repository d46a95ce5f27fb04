using Dragonflow.Ovsdb.Monitoring;

namespace Dragonflow.Ovsdb.Tests;

/// <summary>Reads a monitor's updates with deadlines, for assertions.</summary>
internal sealed class MonitorStream(OvsdbMonitor monitor) : IAsyncDisposable
{
    private readonly IAsyncEnumerator<MonitorUpdate> _updates = monitor.ReadUpdatesAsync().GetAsyncEnumerator();
    private readonly List<MonitorUpdate> _seen = new();
    private Task<bool>? _pendingMove; // kept across a timeout: an async iterator allows one MoveNext at a time

    public IReadOnlyList<MonitorUpdate> Seen => _seen;

    private readonly Queue<RowChange> _unread = new();

    /// <summary>The next whole update (drops changes not yet consumed by WaitForChangeAsync).</summary>
    public async Task<MonitorUpdate> NextAsync(TimeSpan? timeout = null)
    {
        _unread.Clear();
        return await ReadAsync(timeout);
    }

    private async Task<MonitorUpdate> ReadAsync(TimeSpan? timeout)
    {
        _pendingMove ??= _updates.MoveNextAsync().AsTask();
        var more = await _pendingMove.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
        _pendingMove = null;
        if (!more) throw new InvalidOperationException("monitor stream ended");
        _seen.Add(_updates.Current);
        return _updates.Current;
    }

    /// <summary>Consumes changes, in order, until one matches <paramref name="match"/>.</summary>
    public async Task<RowChange> WaitForChangeAsync(Func<RowChange, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            while (_unread.TryDequeue(out var buffered))
                if (match(buffered)) return buffered;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException("expected change did not arrive; saw: " + Describe());
            MonitorUpdate update;
            try
            {
                update = await ReadAsync(left);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException("expected change did not arrive; saw: " + Describe());
            }
            foreach (var c in update.Changes) _unread.Enqueue(c);
        }
    }

    public string Describe() => string.Join("; ", _seen.Select(u =>
        $"{u.Kind}[{string.Join(", ", u.Changes.Select(c => $"{c.Kind} {c.Table} {c.New?.GetString("name") ?? c.Old?.GetString("name")}"))}]"));

    public ValueTask DisposeAsync() => _pendingMove is null ? _updates.DisposeAsync() : ValueTask.CompletedTask;
}
