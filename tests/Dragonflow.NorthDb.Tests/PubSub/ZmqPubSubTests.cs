using System.Collections.Concurrent;
using Dragonflow.Model;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.NorthDb.PubSub.Zmq;
using Dragonflow.Testing.NorthDb;
using NetMQ;
using NetMQ.Sockets;

namespace Dragonflow.NorthDb.Tests.PubSub;

/// <summary>
/// ZeroMQ pub/sub between processes: the publisher runs in a worker process sharing the
/// sqlite NB file; the subscriber runs here and finds it through the publisher table.
/// </summary>
public sealed class ZmqPubSubTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ScratchDirectory _dir = new();
    private readonly SqliteNbDriver _driver;
    private readonly NbApi _api;
    private readonly List<IDisposable> _cleanup = [];
    private readonly ConcurrentQueue<DbUpdate> _received = new();
    private readonly ConcurrentQueue<SeqGap> _gaps = new();

    public ZmqPubSubTests()
    {
        _driver = new SqliteNbDriver(Db);
        _api = new NbApi(_driver);
    }

    private string Db => _dir.File("nb.db");

    public void Dispose()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            _cleanup[i].Dispose();
        }
        _api.Dispose();
        _driver.Dispose();
        _dir.Dispose();
    }

    private T Track<T>(T disposable) where T : IDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }

    private ZmqNbSubscriber StartSubscriber(params string[] topics)
    {
        var subscriber = Track(new ZmqNbSubscriber(_api, TimeSpan.FromMilliseconds(100)));
        subscriber.UpdateReceived += _received.Enqueue;
        subscriber.GapDetected += _gaps.Enqueue;
        if (topics.Length == 0)
        {
            subscriber.SubscribeAll();
        }
        foreach (var topic in topics)
        {
            subscriber.Subscribe(topic);
        }
        subscriber.Start();
        return subscriber;
    }

    /// <summary>
    /// ZeroMQ drops what a publisher sends before the subscription reached it. The publisher's
    /// periodic refresh of its own row is published on the global topic, so once one of those
    /// arrived, the subscription is in place.
    /// </summary>
    private Task WaitUntilSubscribedAsync(PublisherWorker publisher) =>
        Poll.UntilAsync(() => _received.Any(u => u.PublisherId == publisher.Id && u.Table == "publisher"), Timeout, $"an update from {publisher.Id}");

    private List<DbUpdate> Ports(PublisherWorker publisher) =>
        _received.Where(u => u.PublisherId == publisher.Id && u.Table == "lport").ToList();

    [Fact]
    public async Task EveryWriteReachesTheSubscriberInOrder()
    {
        StartSubscriber();
        using var publisher = Track(await PublisherWorker.StartAsync(Db));
        await WaitUntilSubscribedAsync(publisher);

        await publisher.WriteAsync("tenant-a", 200);
        await Poll.UntilAsync(() => Ports(publisher).Count >= 200, Timeout, "200 port updates");

        var ports = Ports(publisher);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => $"tenant-a-{i}"), ports.Select(u => u.Key));
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), ports.Select(u => u.Seq));
        Assert.All(ports, u => Assert.Equal((DbUpdateAction.Create, "tenant-a", 1L), (u.Action, u.Topic, u.Version)));
        Assert.Equal("tenant-a-7", NbTables.Lport.Parse(ports[6].Value!).Id);
        Assert.Empty(_gaps);
    }

    [Fact]
    public async Task ASubscriberStartedLaterFindsThePublisherThroughThePublisherTable()
    {
        using var publisher = Track(await PublisherWorker.StartAsync(Db));
        var row = await _api.GetAsync<Publisher>(publisher.Id);
        Assert.Equal(publisher.Uri, row.Uri);

        var subscriber = StartSubscriber();
        await Poll.UntilAsync(() => subscriber.ConnectedPublishers.Contains(publisher.Id), Timeout, "connection to the publisher");
        await WaitUntilSubscribedAsync(publisher);
        await publisher.WriteAsync("t", 3);

        await Poll.UntilAsync(() => Ports(publisher).Count == 3, Timeout, "3 port updates");
    }

    [Fact]
    public async Task APublisherAppearingAfterTheSubscriberIsFoundAndOneLeavingIsDropped()
    {
        var subscriber = StartSubscriber();
        var publisher = Track(await PublisherWorker.StartAsync(Db));
        await Poll.UntilAsync(() => subscriber.ConnectedPublishers.Contains(publisher.Id), Timeout, "connection to the new publisher");

        await publisher.ExitAsync();

        Assert.Null(await _api.TryGetAsync<Publisher>(publisher.Id));
        await Poll.UntilAsync(() => !subscriber.ConnectedPublishers.Contains(publisher.Id), Timeout, "the subscriber to drop the publisher");
    }

    [Fact]
    public async Task ADroppedMessageIsReportedAsAGap()
    {
        StartSubscriber();
        using var publisher = Track(await PublisherWorker.StartAsync(Db, dropTopic: "tenant-g", dropSeq: 3));
        await WaitUntilSubscribedAsync(publisher);

        await publisher.WriteAsync("tenant-g", 5);
        await Poll.UntilAsync(() => Ports(publisher).Count == 4, Timeout, "4 port updates");

        Assert.Equal([1L, 2, 4, 5], Ports(publisher).Select(u => u.Seq));
        var gap = Assert.Single(_gaps);
        Assert.Equal(new SeqGap(publisher.Id, "tenant-g", 3, 4), gap);
    }

    [Fact]
    public async Task APerTopicSubscriberReceivesOnlyItsTopic()
    {
        StartSubscriber("tenant-a", PubSubTopic.Global);
        using var publisher = Track(await PublisherWorker.StartAsync(Db));
        await WaitUntilSubscribedAsync(publisher);

        // tenant-a1 shares a prefix with tenant-a: the topic frame must not match it.
        await publisher.WriteAsync("tenant-b", 5);
        await publisher.WriteAsync("tenant-a1", 5);
        await publisher.WriteAsync("tenant-a", 5);
        await Poll.UntilAsync(() => Ports(publisher).Count >= 5, Timeout, "5 tenant-a updates");
        // Later messages from the same publisher arrive after earlier ones; one more global
        // refresh after the tenant-a writes proves nothing else is still in flight.
        var seen = _received.Count;
        await Poll.UntilAsync(() => _received.Skip(seen).Any(u => u.PublisherId == publisher.Id && u.Table == "publisher"), Timeout, "a later refresh");

        var ports = Ports(publisher);
        Assert.Equal(5, ports.Count);
        Assert.All(ports, u => Assert.Equal("tenant-a", u.Topic));
        Assert.Empty(_gaps);
    }

    [Fact]
    public async Task StalePublisherRowsAreRemoved()
    {
        await _api.CreateAsync(new Publisher { Id = "crashed", Uri = "tcp://127.0.0.1:1", LastActivityTimestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600 });
        await _api.CreateAsync(new Publisher { Id = "alive", Uri = "tcp://127.0.0.1:2", LastActivityTimestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600 });

        using var publisher = Track(await PublisherWorker.StartAsync(Db));

        await Poll.UntilAsync(async () => await _api.TryGetAsync<Publisher>("crashed") is null, Timeout, "the stale row to go");
        Assert.NotNull(await _api.TryGetAsync<Publisher>("alive"));
        Assert.NotNull(await _api.TryGetAsync<Publisher>(publisher.Id));
    }

    [Fact]
    public async Task MalformedMessagesAreDroppedAndTheSubscriberKeepsWorking()
    {
        using var socket = new PublisherSocket();
        var port = socket.BindRandomPort("tcp://127.0.0.1");
        await _api.CreateAsync(new Publisher { Id = "raw", Uri = $"tcp://127.0.0.1:{port}", LastActivityTimestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() });
        var subscriber = StartSubscriber();
        await Poll.UntilAsync(() => subscriber.ConnectedPublishers.Contains("raw"), Timeout, "connection");

        byte[] Update(long seq) => DbUpdateWire.Body(new DbUpdate { Table = "lport", Key = $"p{seq}", Action = "set", Topic = "t", PublisherId = "raw", Seq = seq });
        var topic = ZmqWire.TopicFrame("t");
        // Resend seq 1 until it arrives (slow joiner), then garbage, then seq 2.
        await Poll.UntilAsync(() =>
        {
            socket.SendMoreFrame(topic).SendFrame(Update(1));
            return _received.Any(u => u.Seq == 1);
        }, Timeout, "the first update");
        socket.SendMoreFrame(topic).SendFrame("{not json"u8.ToArray());
        socket.SendMoreFrame(topic).SendFrame("""{"table":"lport"}"""u8.ToArray());
        socket.SendFrame(topic);
        socket.SendMoreFrame(topic).SendMoreFrame("x"u8.ToArray()).SendFrame("y"u8.ToArray());
        socket.SendMoreFrame(topic).SendFrame(Update(2));

        await Poll.UntilAsync(() => _received.Any(u => u.Seq == 2), Timeout, "the update after the garbage");
        Assert.All(_received, u => Assert.Equal("raw", u.PublisherId));
        Assert.Empty(_gaps);
    }
}
