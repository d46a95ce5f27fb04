using System.Diagnostics;
using System.Threading.Channels;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Etcd;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>etcd watch, and etcd going away and coming back under an open driver and watch.</summary>
public sealed class EtcdWatchTests(EtcdServer server) : IClassFixture<EtcdServer>, IDisposable
{
    private readonly WatchFollower _watch = new();

    public void Dispose() => _watch.Dispose();

    private ChannelReader<NbChange> Follow(INbWatchableDriver driver, string? table) => _watch.Follow(driver, table);

    private static Task<NbChange> NextAsync(ChannelReader<NbChange> changes) => WatchFollower.NextAsync(changes);

    /// <summary>
    /// A watch starts "from now" once etcd has created it, so a marker written too early is not
    /// seen; writes a new marker each round until that round's own marker arrives, which proves the
    /// watch is established. A fresh id per round means a late event of an earlier round can never
    /// pass for this one; etcd delivers in revision order, so every earlier round's events come
    /// before this round's create, and after it only this round's delete is left to drain.
    /// </summary>
    private static async Task SyncAsync(INbDriver driver, ChannelReader<NbChange> changes, string table)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var id = $"marker-{Guid.NewGuid():N}";
            await driver.CreateAsync(table, id, "\"marker\"", null);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
            try
            {
                while ((await changes.ReadAsync(wait.Token)).Entry.Id != id)
                {
                }
            }
            catch (OperationCanceledException) when (DateTime.UtcNow < deadline)
            {
                await driver.DeleteAsync(table, id);
                continue;
            }
            await driver.DeleteAsync(table, id);
            while ((await NextAsync(changes)) is not { Action: "delete" } c || c.Entry.Id != id)
            {
            }
            return;
        }
    }

    [Fact]
    public async Task AWatchReportsCreateSetAndDeleteOfItsTableWithTopicsInOrder()
    {
        using var driver = new EtcdNbDriver([server.Endpoint]);
        var changes = Follow(driver, "lport");
        await SyncAsync(driver, changes, "lport");

        var r1 = await driver.CreateAsync("lport", "p1", "1", "t1");
        await driver.CreateAsync("lswitch", "n1", "x", "t1");
        var r2 = await driver.UpdateAsync("lport", "p1", "2", "t2", r1);
        await driver.DeleteAsync("lport", "p1");

        var seen = new[] { await NextAsync(changes), await NextAsync(changes), await NextAsync(changes) };
        Assert.Equal(("create", "1", "t1", r1), (seen[0].Action, seen[0].Entry.Value, seen[0].Entry.Topic, seen[0].Entry.Revision));
        Assert.Equal(("set", "2", "t2", r2), (seen[1].Action, seen[1].Entry.Value, seen[1].Entry.Topic, seen[1].Entry.Revision));
        Assert.Equal(("delete", "2", "t2", r2), (seen[2].Action, seen[2].Entry.Value, seen[2].Entry.Topic, seen[2].Entry.Revision));
        Assert.All(seen, c => Assert.Equal(("lport", "p1"), (c.Entry.Table, c.Entry.Id)));
    }

    [Fact]
    public async Task AnOutageFailsCallsFastAndTheWatchResumesWithoutLossOrRepeat()
    {
        using var driver = new EtcdNbDriver([server.Endpoint], operationTimeout: TimeSpan.FromSeconds(3));
        var changes = Follow(driver, "chassis");
        await SyncAsync(driver, changes, "chassis");
        var rev = await driver.CreateAsync("chassis", "before", "1", null);
        var created = await NextAsync(changes);
        Assert.Equal(("create", "before"), (created.Action, created.Entry.Id));

        server.Stop();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<NbBackendUnavailableException>(() => driver.GetAsync("chassis", "before").AsTask());
        Assert.Equal("etcd", e.Backend);
        Assert.Contains(server.Endpoint, e.Message);
        await Assert.ThrowsAsync<NbBackendUnavailableException>(() => driver.UpdateAsync("chassis", "before", "2", null, rev).AsTask());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"failing took {clock.Elapsed}");

        server.Start();
        // etcd keeps its data across the restart; the driver works again on the same object.
        long rev2 = 0;
        await Poll.UntilAsync(async () =>
        {
            try
            {
                rev2 = await driver.UpdateAsync("chassis", "before", "2", null, rev);
                return true;
            }
            catch (NbBackendUnavailableException)
            {
                return false;
            }
            catch (NbVersionConflictException)
            {
                // An earlier attempt timed out after etcd had applied it: settle it by reading.
                var stored = await driver.GetAsync("chassis", "before");
                Assert.Equal("2", stored?.Value);
                rev2 = stored!.Revision;
                return true;
            }
        }, TimeSpan.FromSeconds(30), "the driver to reach etcd again");
        await driver.CreateAsync("chassis", "after", "3", null);

        // The write made right after the restart (likely before the watch reconnected) arrives,
        // once, followed by the next; the change from before the outage is not delivered again.
        var first = await NextAsync(changes);
        var second = await NextAsync(changes);
        Assert.Equal(("set", "before", "2", rev2), (first.Action, first.Entry.Id, first.Entry.Value, first.Entry.Revision));
        Assert.Equal(("create", "after"), (second.Action, second.Entry.Id));
    }
}
