using System.Diagnostics;
using Dragonflow.NorthDb.Drivers.Redis;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>The redis server goes away and comes back under a driver that stays open.</summary>
public sealed class RedisOutageTests(RedisServer server) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task WhileTheServerIsDownCallsFailFastAndWorkAgainWhenItReturns()
    {
        using var driver = new RedisNbDriver([server.Endpoint]);
        await driver.CreateAsync("chassis", "before", "1", null);

        server.Stop();
        var clock = Stopwatch.StartNew();
        // The first call may still be in flight when the socket dies; every call must end in
        // the NB error type within the operation timeout, never hang.
        for (var i = 0; i < 3; i++)
        {
            var e = await Assert.ThrowsAsync<NbBackendUnavailableException>(() => driver.GetAsync("chassis", "before").AsTask());
            Assert.Equal("redis", e.Backend);
            Assert.Contains(server.Endpoint, e.Message);
        }
        await Assert.ThrowsAsync<NbBackendUnavailableException>(() => driver.CreateAsync("chassis", "during", "2", null).AsTask());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"failing took {clock.Elapsed}");

        server.Start();
        // The server restarted empty (no persistence): the driver must simply work again.
        await Poll.UntilNoLongerAsync<NbBackendUnavailableException, long>(() => driver.CreateAsync("chassis", "after", "3", null).AsTask(),
            TimeSpan.FromSeconds(20), "the driver to reconnect");
        Assert.Equal("3", (await driver.GetAsync("chassis", "after"))!.Value);
        Assert.Equal(2, await driver.AllocateUniqueKeyAsync("lport") + await driver.AllocateUniqueKeyAsync("lswitch"));
    }

    [Fact]
    public void AnUnreachableServerIsBackendUnavailableWithinTheTimeout()
    {
        var port = LoopbackPort.Free();
        var clock = Stopwatch.StartNew();
        using var driver = new RedisNbDriver([$"127.0.0.1:{port}"], connectTimeout: TimeSpan.FromMilliseconds(500));

        var e = Assert.Throws<NbBackendUnavailableException>(() => driver.GetAsync("lport", "p").AsTask().GetAwaiter().GetResult());

        Assert.Contains($"127.0.0.1:{port}", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"failing took {clock.Elapsed}");
    }
}
