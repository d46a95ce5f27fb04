using System.Collections.Concurrent;

namespace Dragonflow.Server.Auth;

/// <summary>What a token was found to be, and until when that holds.</summary>
public sealed record TokenVerdict(Identity? Identity, DateTimeOffset Until);

/// <summary>
/// Verdicts on tokens until their time is up. Concurrent requests with the same token that is not
/// cached share one validation; a validation that throws (Keystone unavailable) is not kept, so the
/// next request asks again. Size is kept near <see cref="Capacity"/> by dropping ended entries.
/// </summary>
sealed class TokenCache(TimeProvider clock)
{
    public const int Capacity = 100_000;
    static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);

    readonly ConcurrentDictionary<string, Lazy<Task<TokenVerdict>>> _slots = new(StringComparer.Ordinal);
    long _nextSweep;

    public int Count => _slots.Count;

    /// <summary>The verdict on <paramref name="token"/> and whether it came from the cache (or a validation another request started).</summary>
    public async Task<(TokenVerdict Verdict, bool Shared)> GetAsync(string token, Func<string, Task<TokenVerdict>> validate, CancellationToken cancellationToken)
    {
        while (true)
        {
            var mine = new Lazy<Task<TokenVerdict>>(() => validate(token));
            var slot = _slots.GetOrAdd(token, mine);
            if (slot == mine)
                SweepIfFull();
            var task = slot.Value;
            var joinedPending = slot != mine && !task.IsCompleted;
            TokenVerdict verdict;
            try
            {
                verdict = await task.WaitAsync(cancellationToken);
            }
            catch (Exception) when (task.IsFaulted || task.IsCanceled)
            {
                _slots.TryRemove(KeyValuePair.Create(token, slot));
                throw;
            }
            if (verdict.Until > clock.GetUtcNow())
                return (verdict, slot != mine);
            _slots.TryRemove(KeyValuePair.Create(token, slot));
            // A verdict that ended at once (token_cache_time 0) still answers the requests that waited for it.
            if (slot == mine || joinedPending)
                return (verdict, slot != mine);
        }
    }

    void SweepIfFull()
    {
        var now = clock.GetUtcNow();
        if (_slots.Count <= Capacity || now.UtcTicks < Interlocked.Read(ref _nextSweep))
            return;
        Interlocked.Exchange(ref _nextSweep, (now + SweepEvery).UtcTicks);
        foreach (var (token, slot) in _slots)
            if (slot.IsValueCreated && slot.Value.IsCompletedSuccessfully && slot.Value.Result.Until <= now)
                _slots.TryRemove(KeyValuePair.Create(token, slot));
    }
}
