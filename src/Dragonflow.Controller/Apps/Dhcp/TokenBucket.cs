namespace Dragonflow.Controller.Apps.Dhcp;

/// <summary>
/// A token bucket: <see cref="Burst"/> packets at once, then <see cref="PerSecond"/> a second.
/// Time is passed in, so the same sequence of calls always gives the same answers.
/// </summary>
public sealed class TokenBucket(double perSecond, double burst)
{
    private double _tokens = burst;
    private TimeSpan? _last;

    public double PerSecond { get; } = perSecond;
    public double Burst { get; } = burst;

    /// <summary>Takes one token if there is one at <paramref name="now"/> (a monotonic clock reading).</summary>
    public bool TryTake(TimeSpan now)
    {
        if (_last is { } last && now > last) _tokens = Math.Min(Burst, _tokens + (now - last).TotalSeconds * PerSecond);
        if (_last is null || now > _last) _last = now;
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }
}
