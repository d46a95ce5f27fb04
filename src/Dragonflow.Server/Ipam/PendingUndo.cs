using System.Collections.Concurrent;
using Dragonflow.NorthDb;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Server.Ipam;

/// <summary>
/// Roll-backs (give back a claim, remove a half-made port) that must happen even when the NB
/// database is away at the moment a request fails: one that fails with
/// <see cref="NbBackendUnavailableException"/> is kept, in order, and retried until the database
/// answers again, so an outage leaves no claim without its owner behind. Each undo is idempotent.
/// </summary>
sealed class PendingUndo(ILogger log)
{
    static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How often an undo that fails other than by an outage is tried before it is dropped.</summary>
    const int OtherFailureAttempts = 20;

    readonly ConcurrentQueue<Func<Task>> _pending = new();
    int _retrying;

    public int Count => _pending.Count;

    /// <summary>
    /// How long a request refused because of what an outage left behind waits for the roll-backs
    /// before the refusal stands: they run within a second of the NB DB answering again, unless
    /// the machine is very busy.
    /// </summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) until nothing is pending: a claim refused while
    /// roll-backs still wait may be refused only because of them.
    /// </summary>
    public async Task<bool> DrainedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_pending.IsEmpty)
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            await Task.Delay(50);
        }
        return true;
    }

    public async Task RunAsync(Func<Task> undo)
    {
        if (!_pending.IsEmpty)
        {
            // Keep the order: earlier undos first.
            Defer(undo);
            return;
        }
        try
        {
            await undo();
        }
        catch (NbBackendUnavailableException e)
        {
            log.LogWarning("roll-back deferred until the NB database answers again: {Error}", e.Message);
            Defer(undo);
        }
    }

    void Defer(Func<Task> undo)
    {
        _pending.Enqueue(undo);
        if (Interlocked.Exchange(ref _retrying, 1) == 0)
            _ = Task.Run(RetryAsync);
    }

    async Task RetryAsync()
    {
        while (true)
        {
            var failures = 0;
            while (_pending.TryPeek(out var undo))
            {
                try
                {
                    await undo();
                }
                catch (NbBackendUnavailableException)
                {
                    await Task.Delay(RetryInterval);
                    continue;
                }
                catch (Exception) when (++failures < OtherFailureAttempts)
                {
                    // A backend coming back may fail in other ways for a moment (a client
                    // reconnecting); an undo given up too early leaves its claim behind.
                    await Task.Delay(RetryInterval);
                    continue;
                }
                catch (Exception e)
                {
                    // Still failing (e.g. the server is shutting down): retrying will not help.
                    log.LogError(e, "roll-back given up after {Attempts} failures; what it would have given back stays taken", failures);
                }
                failures = 0;
                _pending.TryDequeue(out _);
            }
            Volatile.Write(ref _retrying, 0);
            if (_pending.IsEmpty || Interlocked.Exchange(ref _retrying, 1) != 0)
                return;
        }
    }
}
