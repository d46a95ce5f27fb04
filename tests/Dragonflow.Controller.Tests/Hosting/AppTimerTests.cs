using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Hosting;
using Dragonflow.Controller.Topology;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.Controller.Tests.Hosting;

/// <summary>The apps' timer fires once at the time asked, moves only earlier until it fired, and stays quiet when nothing is asked.</summary>
public sealed class AppTimerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void It_fires_once_at_the_earliest_time_asked_and_not_again_until_armed()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var fired = new SemaphoreSlim(0);
        using var timer = new AppTimer(() => clock.Elapsed, () => fired.Release());

        timer.Arm(_ => null); // nothing asked
        Assert.False(fired.Wait(TimeSpan.FromMilliseconds(300)));

        timer.Arm(now => now + TimeSpan.FromHours(1));
        timer.Arm(now => now + TimeSpan.FromMilliseconds(200)); // earlier: taken
        timer.Arm(now => now + TimeSpan.FromHours(2)); // later: ignored
        var armedAt = clock.Elapsed;
        Assert.True(fired.Wait(Patience));
        Assert.True(clock.Elapsed - armedAt >= TimeSpan.FromMilliseconds(150), $"fired after {(clock.Elapsed - armedAt).TotalMilliseconds} ms");
        Assert.False(fired.Wait(TimeSpan.FromMilliseconds(400)), "fired twice");

        timer.Fired();
        timer.Arm(now => now - TimeSpan.FromSeconds(1)); // overdue: at once
        Assert.True(fired.Wait(Patience));
    }

    [Fact]
    public void The_apps_clock_is_time_since_an_origin_never_negative_and_it_advances()
    {
        var clock = new ChassisContext("here", ["geneve"], new NbCache(), new BridgePorts(), new FlowInstaller(), NullLogger.Instance).Clock;
        var first = clock();
        Assert.True(first >= TimeSpan.Zero, first.ToString());
        Thread.Sleep(20);
        var later = clock() - first;
        Assert.InRange(later, TimeSpan.FromMilliseconds(15), TimeSpan.FromSeconds(10));
    }
}
