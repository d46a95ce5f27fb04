using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Etcd;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>
/// A create whose call timed out reaches etcd later (held by a proxy, then delivered on the
/// original connection). Whoever undoes a failed request reads after the failure: what it reads
/// must stay true, or a claim it found absent appears a moment later and is never given back.
/// </summary>
public sealed class EtcdFenceTests(EtcdServer server) : IClassFixture<EtcdServer>
{
    private static Task<NbEntry?> ReadWhenAnsweredAsync(EtcdNbDriver driver, string id) =>
        Poll.UntilNoLongerAsync<NbBackendUnavailableException, NbEntry?>(() => driver.GetAsync("ipam_segment", id).AsTask(),
            TimeSpan.FromSeconds(30), "the driver to reach etcd through the proxy again");

    /// <summary>Sends a create that cannot be answered in time; its frames are held by the proxy.</summary>
    private static async Task<string> CreateThatTimesOutAsync(EtcdNbDriver driver, Http2HoldingProxy proxy)
    {
        var id = $"vxlan_{Random.Shared.Next(1, 16_000_000)}";
        Assert.Null(await ReadWhenAnsweredAsync(driver, id)); // the connection is up before holding
        proxy.Hold();
        await Assert.ThrowsAsync<NbBackendUnavailableException>(() => driver.CreateAsync("ipam_segment", id, "{\"owner\":\"net-1\"}", "net-1").AsTask());
        Assert.True(proxy.HeldRequests >= 1, "the create never left the client");
        proxy.CutClient();
        return id;
    }

    [Fact]
    public async Task ACreateDeliveredAfterItsCallerGaveUpIsAppliedWhenNothingReadInBetween()
    {
        // The hazard is real: etcd carries out a request that arrives late.
        await using var proxy = new Http2HoldingProxy(server.Endpoint);
        using var driver = new EtcdNbDriver([proxy.Endpoint], TimeSpan.FromSeconds(1));
        var id = await CreateThatTimesOutAsync(driver, proxy);

        await proxy.DeliverHeldAsync();

        using var observer = new EtcdNbDriver([server.Endpoint]);
        await Poll.UntilAsync(async () => await observer.GetAsync("ipam_segment", id) is not null,
            TimeSpan.FromSeconds(10), "the late create to be applied");
    }

    [Fact]
    public async Task ACreateDeliveredAfterTheDriverReadItAbsentIsNeverApplied()
    {
        await using var proxy = new Http2HoldingProxy(server.Endpoint);
        using var driver = new EtcdNbDriver([proxy.Endpoint], TimeSpan.FromSeconds(1));
        var id = await CreateThatTimesOutAsync(driver, proxy);

        // The roll-back of the failed request looks: nothing there.
        Assert.Null(await ReadWhenAnsweredAsync(driver, id));
        await proxy.DeliverHeldAsync();

        // The late create is refused by etcd; give it the time the other test needs to land.
        using var observer = new EtcdNbDriver([server.Endpoint]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (DateTime.UtcNow < deadline)
        {
            Assert.Null(await observer.GetAsync("ipam_segment", id));
            await Task.Delay(100);
        }
        // And the driver goes on writing as before.
        await CreateWhenAnsweredAsync(driver, id, "{\"owner\":\"net-2\"}", "net-2");
        Assert.Contains("net-2", (await observer.GetAsync("ipam_segment", id))!.Value);
    }

    /// <summary>
    /// A create through the driver under test, retried while its short operation timeout makes a
    /// slow etcd (fsync on a busy machine) look unavailable. A timed-out attempt may still have been
    /// applied, so a retry that finds the key settles it by reading: the value must be ours (it
    /// names <paramref name="topic"/>), not the refused late create's.
    /// </summary>
    private static Task CreateWhenAnsweredAsync(EtcdNbDriver driver, string id, string value, string topic) =>
        Poll.UntilNoLongerAsync<NbBackendUnavailableException, bool>(async () =>
        {
            try
            {
                await driver.CreateAsync("ipam_segment", id, value, topic);
            }
            catch (NbKeyExistsException)
            {
                var stored = await ReadWhenAnsweredAsync(driver, id);
                Assert.NotNull(stored);
                Assert.Contains(topic, stored.Value);
            }
            return true;
        }, TimeSpan.FromSeconds(30), "the driver to write after the fence");
}
