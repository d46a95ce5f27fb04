namespace Dragonflow.Testing.NorthDb;

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            }
            await Task.Delay(20);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> until it does not throw <typeparamref name="TNotYet"/>
    /// (e.g. a backend still away) and returns its result; fails once <paramref name="timeout"/> passed.
    /// </summary>
    public static async Task<T> UntilNoLongerAsync<TNotYet, T>(Func<Task<T>> operation, TimeSpan timeout, string what) where TNotYet : Exception
    {
        T result = default!;
        await UntilAsync(async () =>
        {
            try
            {
                result = await operation();
                return true;
            }
            catch (TNotYet)
            {
                return false;
            }
        }, timeout, what);
        return result;
    }
}
