namespace Dragonflow.Controller.Hosting;

/// <summary>
/// The apps' timer: armed for the earliest time an app asks to be ticked
/// (<see cref="Routing.ChangeRouter.NextTimer"/>) instead of firing at a fixed rate, so a
/// controller with nothing due is not woken. It only ever moves earlier until it fires: a stream
/// of events cannot postpone a due tick. Used from the event loop only.
/// </summary>
internal sealed class AppTimer : IDisposable
{
    private readonly Func<TimeSpan> _clock;
    private readonly Timer _timer;
    private TimeSpan? _due;

    public AppTimer(Func<TimeSpan> clock, Action fire)
    {
        _clock = clock;
        _timer = new Timer(_ => fire());
    }

    /// <summary>The tick it posted is being handled: nothing is armed until the next <see cref="Arm"/>.</summary>
    public void Fired() => _due = null;

    /// <summary>Arms for the time <paramref name="next"/> gives for now (null: nothing asked) unless an earlier time is armed already.</summary>
    public void Arm(Func<TimeSpan, TimeSpan?> next)
    {
        var now = _clock();
        if (next(now) is not { } due || (_due is { } armed && armed <= due)) return;
        _due = due;
        var wait = due - now;
        _timer.Change(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();
}
