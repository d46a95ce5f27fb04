using System.Text;
using Dragonflow.Testing.Backends;

namespace Dragonflow.ZooKeeper.Tests;

/// <summary>The client on a three-member ensemble whose leader is killed mid-stream.</summary>
public sealed class ZooKeeperEnsembleTests(ZooKeeperEnsemble ensemble, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ZooKeeperEnsemble>
{
    [Fact]
    public async Task KillingTheLeaderDuringWritesLosesNoAcknowledgedWriteAndKeepsTheSession()
    {
        var root = $"/stream-{Guid.NewGuid():N}";
        await using var client = await ZooKeeperClient.ConnectAsync(new()
        {
            Hosts = ensemble.Endpoints,
            SessionTimeout = TimeSpan.FromSeconds(10),
            OperationTimeout = TimeSpan.FromSeconds(5),
        });
        var session = client.SessionId;
        await client.CreateAsync(root, Array.Empty<byte>());
        var leader = ensemble.Leader() ?? throw new InvalidOperationException("no leader");

        var acknowledged = new List<int>();
        var failures = 0;
        // A failed write can take the 5 s operation timeout: bound the stream by time, not count.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        for (var i = 0; acknowledged.Count < 150; i++)
        {
            if (acknowledged.Count == 50 && ensemble.Leader() == leader)
            {
                ensemble.Kill(leader);
            }
            try
            {
                await client.CreateAsync($"{root}/n{i:D4}", Encoding.UTF8.GetBytes($"{i}"));
                acknowledged.Add(i);
            }
            catch (ZooKeeperException e) when (e.Code is ZooKeeperErrorCode.ConnectionLoss or ZooKeeperErrorCode.OperationTimeout)
            {
                // Unacknowledged: it may or may not have been applied; the stream goes on.
                failures++;
                Assert.True(DateTime.UtcNow < deadline, $"the client never found the surviving members ({failures} failed writes in 90 s)");
                await Task.Delay(20);
            }
        }

        output.WriteLine($"killed member {leader + 1}; {failures} unacknowledged writes; now on {client.ConnectedServer}, new leader {ensemble.Leader() + 1}");
        Assert.True(ensemble.Leader() is { } now && now != leader);
        var stored = (await client.GetChildrenAsync(root)).Children.ToHashSet();
        Assert.All(acknowledged, i => Assert.Contains($"n{i:D4}", stored));
        Assert.Equal(session, client.SessionId);
        Assert.Equal(0, client.Expirations);
        Assert.NotEqual(ensemble.Endpoint(leader), client.ConnectedServer);

        // The killed member comes back as a follower with every write.
        ensemble.Start(leader);
        await using var onRestarted = await ZooKeeperClient.ConnectAsync(new() { Hosts = [ensemble.Endpoint(leader)] });
        var there = (await onRestarted.GetChildrenAsync(root)).Children.ToHashSet();
        Assert.All(acknowledged, i => Assert.Contains($"n{i:D4}", there));
    }
}
