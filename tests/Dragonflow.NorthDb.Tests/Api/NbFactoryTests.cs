using System.Collections.Concurrent;
using Dragonflow.Model;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.NorthDb.PubSub.Zmq;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.Api;

public sealed class NbFactoryTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();

    private NbOptions Options => new() { NbDbPath = _dir.File("nb.db"), PublisherPort = 0, PublisherRefreshInterval = TimeSpan.FromMilliseconds(200), SubscriberPollInterval = TimeSpan.FromMilliseconds(100) };

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void SqliteIsTheDefaultDriver()
    {
        using var driver = NbFactory.CreateDriver(Options);
        Assert.IsType<SqliteNbDriver>(driver);
        Assert.True(File.Exists(_dir.File("nb.db")));
    }

    [Theory]
    [InlineData("mongodb", "unknown nb_db_class 'mongodb'")]
    [InlineData("ovsdb", "nb_db_class 'ovsdb' is not available")]
    public void ADriverNameThatCannotBeBuiltIsAClearError(string name, string message)
    {
        var e = Assert.Throws<NbConfigurationException>(() => NbFactory.CreateDriver(Options with { NbDbClass = name }));
        Assert.Contains(message, e.Message);
        Assert.Contains("sqlite", e.Message);
    }

    [Fact]
    public void AnUnknownPubSubDriverIsAClearError()
    {
        var e = Assert.Throws<NbConfigurationException>(() => NbFactory.CreatePublisher(Options with { PubSubDriver = "kafka" }));
        Assert.Contains("unknown pub_sub_driver 'kafka'", e.Message);
    }

    [Fact]
    public void PubSubDisabledGivesAPublisherThatSendsNothing()
    {
        using var publisher = NbFactory.CreatePublisher(Options with { EnableDfPubSub = false });
        Assert.IsType<NullNbPublisher>(publisher);
        Assert.Null(publisher.Uri);
    }

    [Fact]
    public async Task APublishingApiRegistersItselfAndItsWritesReachASubscriber()
    {
        var options = Options;
        using var server = await NbFactory.OpenAsync(options, publish: true);
        var row = await server.GetAsync<Publisher>(server.Publisher.PublisherId);
        Assert.StartsWith("tcp://127.0.0.1:", row.Uri);

        using var reader = await NbFactory.OpenAsync(options, publish: false);
        using var subscriber = NbFactory.CreateSubscriber(options, reader);
        Assert.IsType<ZmqNbSubscriber>(subscriber);
        var received = new ConcurrentQueue<DbUpdate>();
        subscriber.UpdateReceived += received.Enqueue;
        subscriber.SubscribeAll();
        subscriber.Start();
        await Poll.UntilAsync(() => received.Any(u => u.Table == "publisher"), TimeSpan.FromSeconds(30), "the publisher's refresh");

        await server.CreateAsync(new LogicalSwitch { Id = "n1", Topic = "t" });
        await server.UpdateAsync<LogicalSwitch>("n1", n => n.Mtu = 1400);
        await server.DeleteAsync<LogicalSwitch>("n1");

        await Poll.UntilAsync(() => received.Count(u => u.Table == "lswitch") == 3, TimeSpan.FromSeconds(30), "3 lswitch updates");
        var updates = received.Where(u => u.Table == "lswitch").ToList();
        Assert.Equal([DbUpdateAction.Create, DbUpdateAction.Set, DbUpdateAction.Delete], updates.Select(u => u.Action));
        Assert.Equal([1L, 2, 2], updates.Select(u => u.Version));
        Assert.Equal([1L, 2, 3], updates.Select(u => u.Seq));
        Assert.Equal(1400, NbTables.Lswitch.Parse(updates[1].Value!).Mtu);

        var id = server.Publisher.PublisherId;
        server.Dispose();
        Assert.Null(await reader.TryGetAsync<Publisher>(id));
    }
}
