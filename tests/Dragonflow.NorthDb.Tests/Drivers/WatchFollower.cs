using System.Threading.Channels;
using Dragonflow.NorthDb.Drivers;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>Consumes driver watches in the background into channels a test reads with a deadline.</summary>
internal sealed class WatchFollower : IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    public ChannelReader<NbChange> Follow(INbWatchableDriver driver, string? table)
    {
        var changes = Channel.CreateUnbounded<NbChange>();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var c in driver.WatchAsync(table, _stop.Token))
                {
                    changes.Writer.TryWrite(c);
                }
                changes.Writer.TryComplete();
            }
            catch (Exception e)
            {
                changes.Writer.TryComplete(e);
            }
        });
        return changes.Reader;
    }

    public static async Task<NbChange> NextAsync(ChannelReader<NbChange> changes)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await changes.ReadAsync(timeout.Token);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
