using System.Threading.Channels;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.ZooKeeper;
using Dragonflow.Testing.Backends;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>The zookeeper driver's watch (its change journal) against a real ZooKeeper.</summary>
public sealed class ZooKeeperWatchTests(ZooKeeperServer server) : IClassFixture<ZooKeeperServer>, IDisposable
{
    private readonly WatchFollower _watch = new();

    public void Dispose() => _watch.Dispose();

    private ChannelReader<NbChange> Follow(INbWatchableDriver driver, string? table) => _watch.Follow(driver, table);

    private static Task<NbChange> NextAsync(ChannelReader<NbChange> changes) => WatchFollower.NextAsync(changes);

    /// <summary>Writes markers until one arrives: the watch has read the journal's end by then.</summary>
    private static async Task SyncAsync(INbDriver driver, ChannelReader<NbChange> changes, string table)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
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
                return;
            }
            catch (OperationCanceledException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    [Fact]
    public async Task AWatchReportsCreateSetAndDeleteOfItsTableWithTopicsAndRevisionsInOrder()
    {
        using var driver = new ZooKeeperNbDriver([server.Endpoint]);
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
    public async Task AWatchOfAllTablesSeesWritesOfAnotherClientInCommitOrder()
    {
        using var driver = new ZooKeeperNbDriver([server.Endpoint]);
        using var writer = new ZooKeeperNbDriver([server.Endpoint]);
        var changes = Follow(driver, null);
        await SyncAsync(writer, changes, "chassis");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await writer.CreateAsync(t % 2 == 0 ? "lport" : "lswitch", $"w{t}-{i}", $"{i}", null);
            }
        })));

        var seen = new List<NbChange>();
        for (var i = 0; i < 100; i++)
        {
            seen.Add(await NextAsync(changes));
        }
        Assert.Equal(100, seen.Select(c => c.Entry.Key).Distinct().Count());
        Assert.Equal(seen.Select(c => c.Entry.Revision).Order(), seen.Select(c => c.Entry.Revision));
        for (var t = 0; t < 4; t++)
        {
            // Each writer's own creates arrive in the order it made them.
            Assert.Equal(Enumerable.Range(0, 25).Select(i => $"{i}"), seen.Where(c => c.Entry.Id.StartsWith($"w{t}-", StringComparison.Ordinal)).Select(c => c.Entry.Value));
        }
    }

    [Fact]
    public async Task ALargeValueIsReportedFromItsNodeWhileItIsCurrent()
    {
        using var driver = new ZooKeeperNbDriver([server.Endpoint]);
        var changes = Follow(driver, "lsecgroup");
        await SyncAsync(driver, changes, "lsecgroup");
        var big = "\"" + new string('x', 400 * 1024) + "\"";

        var rev = await driver.CreateAsync("lsecgroup", "big", big, "t");
        var created = await NextAsync(changes);
        await driver.DeleteAsync("lsecgroup", "big");
        var deleted = await NextAsync(changes);

        Assert.Equal(("create", big, rev), (created.Action, created.Entry.Value, created.Entry.Revision));
        Assert.Equal(("delete", "", rev), (deleted.Action, deleted.Entry.Value, deleted.Entry.Revision));
    }

    [Fact]
    public async Task TheJournalIsTrimmedAndAWatchLeftBehindAsksForAResync()
    {
        using var driver = new ZooKeeperNbDriver([server.Endpoint]) { KeepChanges = 20, TrimEvery = 10 };
        await using var watch = driver.WatchAsync("lport").GetAsyncEnumerator();
        var first = watch.MoveNextAsync().AsTask();
        // The watch starts at the journal's end once it has listed it; write until it sees one.
        var marker = 0;
        while (!first.IsCompleted)
        {
            await driver.CreateAsync("lport", $"trim-m{marker++}", "0", null);
            await Task.WhenAny(first, Task.Delay(500));
        }
        Assert.True(await first);

        for (var i = 0; i < 100; i++)
        {
            await driver.CreateAsync("lport", $"trim-p{i}", $"{i}", null);
        }
        await using var client = await Dragonflow.ZooKeeper.ZooKeeperClient.ConnectAsync(new() { Hosts = [server.Endpoint] });
        await Dragonflow.Testing.NorthDb.Poll.UntilAsync(
            async () => (await client.GetChildrenAsync("/openstack/.changes")).Children.Count <= 30, TimeSpan.FromSeconds(20), "the journal trimmed");

        var e = await Assert.ThrowsAsync<NbException>(async () =>
        {
            while (await watch.MoveNextAsync())
            {
            }
        });
        Assert.Contains("resync", e.Message);
        Assert.Equal(100 + marker, (await driver.ListIdsAsync("lport")).Count(id => id.StartsWith("trim-", StringComparison.Ordinal)));
    }
}
