using System.Diagnostics;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.ZooKeeper;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>ZooKeeper going away under an open driver, and a three-member ensemble losing its leader.</summary>
public sealed class ZooKeeperOutageTests(ZooKeeperServer server) : IClassFixture<ZooKeeperServer>
{
    [Fact]
    public async Task AnOutageFailsCallsFastAndTheDriverWorksAgainAfterwards()
    {
        using var driver = new ZooKeeperNbDriver([server.Endpoint], operationTimeout: TimeSpan.FromSeconds(2));
        var id = $"c-{Guid.NewGuid():N}";
        var rev = await driver.CreateAsync("chassis", id, "1", null);

        server.Stop();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<NbBackendUnavailableException>(() => driver.GetAsync("chassis", id).AsTask());
        Assert.Equal("zookeeper", e.Backend);
        Assert.Contains(server.Endpoint, e.Message);
        await Assert.ThrowsAsync<NbBackendUnavailableException>(() => driver.UpdateAsync("chassis", id, "2", null, rev).AsTask());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"failing took {clock.Elapsed}");

        server.Start();
        var rev2 = await Poll.UntilNoLongerAsync<NbBackendUnavailableException, long>(() => driver.UpdateAsync("chassis", id, "2", null, rev).AsTask(),
            TimeSpan.FromSeconds(60), "the driver to reach zookeeper again");
        Assert.Equal(("2", rev2), ((await driver.GetAsync("chassis", id))!.Value, rev2));
        Assert.True(rev2 > rev);
    }
}

/// <summary>NB writes through the driver while the ensemble's leader is killed.</summary>
public sealed class ZooKeeperEnsembleDriverTests(ZooKeeperEnsemble ensemble) : IClassFixture<ZooKeeperEnsemble>
{
    [Fact]
    public async Task KillingTheLeaderLosesNoAcknowledgedObjectAndCasStillHolds()
    {
        using var driver = new ZooKeeperNbDriver(ensemble.Endpoints, operationTimeout: TimeSpan.FromSeconds(5));
        var leader = ensemble.Leader() ?? throw new InvalidOperationException("no leader");
        var counterRev = await driver.CreateAsync("lswitch", "counter", "0", null);
        var acknowledged = new List<string>();
        var counter = 0;
        var failures = 0;
        // A failed call can take the 5 s operation timeout: bound the stream by time, not count.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);

        for (var i = 0; acknowledged.Count < 100; i++)
        {
            if (acknowledged.Count == 30 && ensemble.Leader() == leader)
            {
                ensemble.Kill(leader);
            }
            try
            {
                await driver.CreateAsync("lport", $"p{i:D4}", $"{i}", $"t{i % 3}");
                acknowledged.Add($"p{i:D4}");
                // A CAS increment per object: an unacknowledged one may have landed, so re-read on conflict.
                var current = await driver.GetAsync("lswitch", "counter");
                counterRev = await driver.UpdateAsync("lswitch", "counter", $"{int.Parse(current!.Value) + 1}", null, current.Revision);
                counter = int.Parse(current.Value) + 1;
            }
            catch (NbException e) when (e is NbBackendUnavailableException or NbVersionConflictException or NbKeyExistsException)
            {
                failures++;
                Assert.True(DateTime.UtcNow < deadline, $"the driver never found the surviving members ({failures} failed calls in 90 s): {e.Message}");
                await Task.Delay(20);
            }
        }

        // One more acknowledged increment, in case the loop ended on an unacknowledged one.
        while (true)
        {
            var current = await driver.GetAsync("lswitch", "counter");
            try
            {
                counterRev = await driver.UpdateAsync("lswitch", "counter", $"{int.Parse(current!.Value) + 1}", null, current.Revision);
                counter = int.Parse(current.Value) + 1;
                break;
            }
            catch (NbException e) when (e is NbBackendUnavailableException or NbVersionConflictException)
            {
            }
        }

        Assert.NotEqual(leader, ensemble.Leader());
        var ids = await driver.ListIdsAsync("lport");
        Assert.All(acknowledged, id => Assert.Contains(id, ids));
        var final = await driver.GetAsync("lswitch", "counter");
        Assert.Equal((counterRev, counter.ToString()), (final!.Revision, final.Value));
        Assert.Equal(ids.Count, (await driver.ListAsync("lport", "t0")).Count + (await driver.ListAsync("lport", "t1")).Count + (await driver.ListAsync("lport", "t2")).Count);
    }
}
