using Dragonflow.Model;
using Dragonflow.NorthDb.PubSub.Zmq;
using Dragonflow.Testing.NorthDb;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>An update lost on pub/sub (a seq gap) makes the controller read NB in full again.</summary>
public sealed class NbGapResyncTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_lost_update_is_reported_as_a_gap_and_the_full_sync_applies_it()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        var a = await s.AddChassisAsync();
        try
        {
            var net = await s.CreateNetworkAsync(100);
            var p1 = await s.CreatePortAsync(net, "fa:16:3e:00:00:01", "10.0.0.1");
            var vm1 = s.Plug(a, p1);
            await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
            var controller = a.Controller!;

            // The subscriber tracks a topic's seq from the first update it receives on it: once the
            // start-up syncs are over, let one port update on the topic arrive through pub/sub.
            var publisher = Assert.IsType<ZmqNbPublisher>(s.Api.Publisher);
            // The start-up syncs (connect, settle 500 ms later) may be coalesced in the log: wait
            // until no full sync happened for 1.5 s instead.
            var quietSince = DateTime.UtcNow;
            var seen = controller.FullSyncs;
            await Poll.UntilAsync(() =>
            {
                if (controller.FullSyncs != seen) (seen, quietSince) = (controller.FullSyncs, DateTime.UtcNow);
                return DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(1.5);
            }, TimeSpan.FromSeconds(20), "the start-up syncs are over");
            var cached = controller.CachedPortCount;
            await s.CreatePortAsync(net, "fa:16:3e:00:00:04", "10.0.0.4");
            await Poll.UntilAsync(() => controller.CachedPortCount == cached + 1, TimeSpan.FromSeconds(10), "the warm-up port is cached");
            Assert.Equal(seen, controller.FullSyncs); // it came through pub/sub, not a sync

            // p2 is written to NB but its update never leaves the publisher.
            var lostId = "port-lost-" + Guid.NewGuid().ToString("n")[..6];
            publisher.DropForTest = u => u.Key == lostId;
            var p2 = await s.Api.CreateAsync(new LogicalPort
            {
                Id = lostId,
                Topic = net.Topic,
                Lswitch = net.Id,
                Macs = ["fa:16:3e:00:00:02"],
                Ips = [new FixedIp("sub-" + net.Id, "10.0.0.2")],
                UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalPort>(),
            });
            s.Plug(a, p2);
            // Without the update the controller cannot bind the plugged VM.
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Null((await s.Api.GetAsync<LogicalPort>(p2.Id)).Chassis);
            var syncsBefore = controller.FullSyncs;

            // The next update on the same topic carries a seq one past the lost one: a gap.
            publisher.DropForTest = null;
            await s.CreatePortAsync(net, "fa:16:3e:00:00:03", "10.0.0.3");

            await Poll.UntilAsync(() => a.Log.Contains(LogLevel.Information, "full sync: pub/sub gap"),
                TimeSpan.FromSeconds(10), "a full sync for the gap");
            await s.WaitForStatusAsync(p2.Id, "ACTIVE", a.Host);
            Assert.True(controller.FullSyncs > syncsBefore);
            Assert.True(vm1.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)));
        }
        finally
        {
            output.WriteLine(string.Join("\n", a.Log.Entries.TakeLast(40)));
        }
    }
}
