namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// "It stops answering and stays stopped", for probes (pings, connects) towards something a test
/// just took away: the controller removes flows asynchronously, so the probe may answer a while.
/// One failed probe is not enough to call it stopped (on a busy machine a reply is sometimes late
/// while the old flows are still there): it takes several failures in a row, then a last check.
/// </summary>
internal static class StopsAnswering
{
    public static async Task<bool> WithinAsync(Func<bool> answers, TimeSpan within, int failuresInARow = 3)
    {
        var deadline = DateTime.UtcNow + within;
        var silent = 0;
        while (silent < failuresInARow)
        {
            if (answers())
            {
                silent = 0;
                if (DateTime.UtcNow > deadline) return false;
                await Task.Delay(200);
            }
            else
            {
                silent++;
            }
        }
        await Task.Delay(500);
        return !answers();
    }
}
