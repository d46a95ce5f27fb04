using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Dragonflow.Model;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Observability;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.NorthDb.PubSub.Watch;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.PubSub;

/// <summary>pub_sub_driver = etcd: NbApi writes reach subscribers through etcd's watch, against a real etcd.</summary>
public sealed class EtcdWatchPubSubTests(EtcdServer server) : IClassFixture<EtcdServer>
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    NbOptions Options => new() { NbDbClass = "etcd", PubSubDriver = "etcd", RemoteDbHosts = [server.Endpoint] };

    static async Task<string> WaitUntilWatching(NbApi api, ConcurrentQueue<DbUpdate> received)
    {
        // A watch only sees writes after etcd created it: write a marker until one arrives.
        var marker = "marker-" + Guid.NewGuid().ToString("N")[..8];
        var n = 0;
        await Poll.UntilAsync(async () =>
        {
            await api.CreateAsync(new Chassis { Id = $"{marker}-{n++}", Ip = "192.0.2.1" });
            await Task.Delay(50);
            return received.Any(u => u.Key.StartsWith(marker));
        }, Deadline, "the watch to start");
        return marker;
    }

    /// <summary>Starts the subscriber on every topic, collecting what it delivers and the gaps it reports.</summary>
    static (ConcurrentQueue<DbUpdate> Received, ConcurrentQueue<SeqGap> Gaps) StartForAllTopics(INbSubscriber subscriber)
    {
        var received = new ConcurrentQueue<DbUpdate>();
        var gaps = new ConcurrentQueue<SeqGap>();
        subscriber.UpdateReceived += received.Enqueue;
        subscriber.GapDetected += gaps.Enqueue;
        subscriber.SubscribeAll();
        subscriber.Start();
        return (received, gaps);
    }

    [Fact]
    public async Task WritesReachTheSubscriberInOrderWithTheirVersions()
    {
        using var api = await NbFactory.OpenAsync(Options, publish: true);
        using var subscriber = NbFactory.CreateSubscriber(Options, api);
        var (received, gaps) = StartForAllTopics(subscriber);
        await WaitUntilWatching(api, received);
        received.Clear();

        var id = "net-" + Guid.NewGuid().ToString("N")[..8];
        var network = await api.CreateAsync(new LogicalSwitch { Id = id, Topic = "tenant-a", Name = "blue" });
        network.Name = "green";
        await api.UpdateAsync(network);
        await api.DeleteAsync<LogicalSwitch>(id);

        await Poll.UntilAsync(() => received.Count(u => u.Key == id) >= 3, Deadline, "three updates of the network");
        var mine = received.Where(u => u.Key == id).ToList();
        Assert.Equal([DbUpdateAction.Create, DbUpdateAction.Set, DbUpdateAction.Delete], mine.Select(u => u.Action));
        Assert.Equal([1L, 2L, 2L], mine.Select(u => u.Version));
        Assert.All(mine, u => Assert.Equal("tenant-a", u.Topic));
        // A delete carries the revision of the value it removed (see INbWatchableDriver).
        Assert.True(mine[0].Seq < mine[1].Seq && mine[1].Seq <= mine[2].Seq);
        Assert.Contains("green", mine[1].Value);
        Assert.Empty(gaps);
    }

    [Fact]
    public async Task APerTopicSubscriberReceivesOnlyItsTopic()
    {
        using var api = await NbFactory.OpenAsync(Options, publish: true);
        using var subscriber = NbFactory.CreateSubscriber(Options, api);
        var received = new ConcurrentQueue<DbUpdate>();
        subscriber.UpdateReceived += received.Enqueue;
        subscriber.Subscribe(PubSubTopic.Global);
        subscriber.Subscribe("tenant-x");
        subscriber.Start();
        await WaitUntilWatching(api, received);

        var suffix = Guid.NewGuid().ToString("N")[..8];
        await api.CreateAsync(new LogicalSwitch { Id = "y-" + suffix, Topic = "tenant-y" });
        await api.CreateAsync(new LogicalSwitch { Id = "x-" + suffix, Topic = "tenant-x" });
        await Poll.UntilAsync(() => received.Any(u => u.Key == "x-" + suffix), Deadline, "the tenant-x network");
        Assert.DoesNotContain(received, u => u.Topic == "tenant-y");
    }

    [Fact]
    public async Task Etcd_pub_sub_needs_the_etcd_database()
    {
        var options = new NbOptions { NbDbClass = "sqlite", NbDbPath = Path.Combine(Path.GetTempPath(), $"df-{Guid.NewGuid():N}.db"), PubSubDriver = "etcd" };
        try
        {
            using var api = await NbFactory.OpenAsync(options, publish: false);
            var error = Assert.Throws<NbConfigurationException>(() => NbFactory.CreateSubscriber(options, api));
            Assert.Contains("nb_db_class etcd", error.Message);
        }
        finally
        {
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(options.NbDbPath) + "*"))
                File.Delete(file);
        }
    }

    public static TheoryData<string> WatchFaults => ["history compacted", "client gave up"];

    [Theory]
    [MemberData(nameof(WatchFaults))]
    public async Task AWatchThatFailsReportsAGapAndTheSubscriberWatchesOn(string fault)
    {
        using var api = await NbFactory.OpenAsync(Options, publish: true);
        var failing = new WatchFailingOnce((INbWatchableDriver)api.Driver, fault switch
        {
            "history compacted" => new NbException("etcd watch from revision 7 is gone: history compacted to 9; resync needed"),
            _ => new TaskCanceledException("A task was canceled."),
        });
        using var subscriber = new WatchNbSubscriber(failing);
        var (received, gaps) = StartForAllTopics(subscriber);

        // The first change delivered breaks the first watch; the controller must hear of the gap
        // (it resyncs) and must keep receiving changes from a new watch.
        await WaitUntilWatching(api, received);
        await Poll.UntilAsync(() => !gaps.IsEmpty, Deadline, "a gap report");
        received.Clear();
        await WaitUntilWatching(api, received);
        Assert.Equal(2, failing.Watches);
        Assert.Equal(PubSubTopic.Global, Assert.Single(gaps).Topic);
    }

    /// <summary>
    /// Fault injection over the real etcd driver: its first watch fails after one change, as a
    /// compacted history or a stray client-library exception would. Neither can be had from a
    /// real etcd on demand.
    /// </summary>
    private sealed class WatchFailingOnce(INbWatchableDriver inner, Exception fault) : MeteredNbDriver(inner), INbWatchableDriver
    {
        private int _watches;

        public int Watches => Volatile.Read(ref _watches);

        public async IAsyncEnumerable<NbChange> WatchAsync(string? table, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var first = Interlocked.Increment(ref _watches) == 1;
            await foreach (var change in inner.WatchAsync(table, cancellationToken))
            {
                yield return change;
                if (first)
                {
                    throw fault;
                }
            }
        }
    }
}
