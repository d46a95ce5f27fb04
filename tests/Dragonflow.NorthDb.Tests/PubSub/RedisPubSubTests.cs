using System.Collections.Concurrent;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.NorthDb.PubSub.Redis;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.PubSub;

/// <summary>pub_sub_driver = redis against a real redis-server.</summary>
public sealed class RedisPubSubTests(RedisServer server) : IClassFixture<RedisServer>
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    static DbUpdate Update(string topic, int i) =>
        new() { Table = "lport", Key = $"port-{i}", Action = DbUpdateAction.Create, Value = $$"""{"id":"port-{{i}}"}""", Topic = topic, Version = 1 };

    /// <summary>Subscription probes (see <see cref="WaitUntilListening"/>) carry keys with this prefix.</summary>
    const string MarkerPrefix = "subscription-marker-";

    /// <summary>
    /// The real updates a subscriber received go to Received; subscription markers go to a queue of
    /// their own, so a marker still in flight when the test starts cannot show up among the updates.
    /// </summary>
    (RedisNbPublisher Publisher, RedisNbSubscriber Subscriber, ConcurrentQueue<DbUpdate> Received, ConcurrentQueue<DbUpdate> Markers, ConcurrentQueue<SeqGap> Gaps) Open(string? topic)
    {
        var options = new NbOptions { PubSubDriver = "redis", RemoteDbHosts = [server.Endpoint] };
        var publisher = (RedisNbPublisher)NbFactory.CreatePublisher(options);
        var subscriber = new RedisNbSubscriber([server.Endpoint]);
        var received = new ConcurrentQueue<DbUpdate>();
        var gaps = new ConcurrentQueue<SeqGap>();
        var markers = new ConcurrentQueue<DbUpdate>();
        subscriber.UpdateReceived += u =>
        {
            if (u.Key.StartsWith(MarkerPrefix, StringComparison.Ordinal))
                markers.Enqueue(u);
            else
                received.Enqueue(u);
        };
        subscriber.GapDetected += gaps.Enqueue;
        if (topic is null)
            subscriber.SubscribeAll();
        else
            subscriber.Subscribe(topic);
        subscriber.Start();
        publisher.Start();
        return (publisher, subscriber, received, markers, gaps);
    }

    /// <summary>
    /// Redis subscriptions are asynchronous: publish a marker until one arrives. Each call uses
    /// fresh marker keys, so a marker from an earlier wait does not count for this one.
    /// </summary>
    static async Task WaitUntilListening(RedisNbPublisher publisher, ConcurrentQueue<DbUpdate> markers, string topic)
    {
        var key = MarkerPrefix + Guid.NewGuid().ToString("N");
        await Poll.UntilAsync(() =>
        {
            publisher.Publish(new DbUpdate { Table = "chassis", Key = key, Action = DbUpdateAction.Set, Topic = topic });
            Thread.Sleep(50);
            return markers.Any(u => u.Key == key);
        }, Deadline, "the subscription to take effect");
    }

    [Fact]
    public async Task EveryUpdateArrivesInOrderWithoutGaps()
    {
        var (publisher, subscriber, received, markers, gaps) = Open(null);
        using var p = publisher;
        using var s = subscriber;
        await WaitUntilListening(publisher, markers, "t1");

        for (var i = 0; i < 500; i++)
            publisher.Publish(Update("t1", i));
        await Poll.UntilAsync(() => received.Count >= 500, Deadline, "500 updates");

        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"port-{i}"), received.Select(u => u.Key));
        var seqs = received.Select(u => u.Seq).ToList();
        Assert.Equal(Enumerable.Range(0, 500).Select(i => seqs[0] + i), seqs);
        Assert.All(received, u => Assert.Equal(publisher.PublisherId, u.PublisherId));
        Assert.Empty(gaps);
    }

    [Fact]
    public async Task APerTopicSubscriberReceivesOnlyItsTopic()
    {
        var (publisher, subscriber, received, markers, _) = Open("tenant-a");
        using var p = publisher;
        using var s = subscriber;
        await WaitUntilListening(publisher, markers, "tenant-a");

        publisher.Publish(Update("tenant-b", 1));
        publisher.Publish(Update("tenant-a1", 2));
        publisher.Publish(Update("tenant-a", 3));
        await Poll.UntilAsync(() => received.Any(u => u.Key == "port-3"), Deadline, "the tenant-a update");
        Assert.Equal(["port-3"], received.Select(u => u.Key));
    }

    [Fact]
    public async Task AnOutageIsReportedAsAGapSoTheCallerResyncs()
    {
        var (publisher, subscriber, received, markers, gaps) = Open(null);
        using var p = publisher;
        using var s = subscriber;
        await WaitUntilListening(publisher, markers, "t2");
        publisher.Publish(Update("t2", 1));
        await Poll.UntilAsync(() => received.Any(u => u.Key == "port-1"), Deadline, "the first update");
        Assert.Empty(gaps);

        server.Stop();
        server.Start();

        await Poll.UntilAsync(() => !gaps.IsEmpty, TimeSpan.FromSeconds(30), "a gap after the reconnect");
        Assert.Contains(gaps, g => g.PublisherId == publisher.PublisherId && g.Topic == "t2");
        // And the subscription works again afterwards.
        await WaitUntilListening(publisher, markers, "t2");
    }

    [Fact]
    public async Task MalformedMessagesAreDroppedAndDeliveryGoesOn()
    {
        var (publisher, subscriber, received, markers, _) = Open(null);
        using var p = publisher;
        using var s = subscriber;
        await WaitUntilListening(publisher, markers, "t3");
        server.TryCommand("PUBLISH", RedisNbPublisher.ChannelPrefix + "t3", "{not json");
        publisher.Publish(Update("t3", 7));
        await Poll.UntilAsync(() => received.Any(u => u.Key == "port-7"), Deadline, "the update after garbage");
        Assert.Equal(["port-7"], received.Select(u => u.Key));
    }
}
