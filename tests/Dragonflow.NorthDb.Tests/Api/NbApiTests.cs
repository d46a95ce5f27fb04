using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.Api;

public sealed class NbApiTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly SqliteNbDriver _driver;
    private readonly RecordingPublisher _publisher = new();
    private readonly NbApi _api;

    public NbApiTests()
    {
        _driver = new SqliteNbDriver(_dir.File("nb.db"));
        _api = new NbApi(_driver, _publisher);
    }

    public void Dispose()
    {
        _api.Dispose();
        _driver.Dispose();
        _dir.Dispose();
    }

    private static LogicalSwitch Net(string id = "net1") => new() { Id = id, Topic = "tenant", Name = "private", Mtu = 1450 };

    [Fact]
    public async Task CreateStoresVersionOneAndPublishesCreate()
    {
        var created = await _api.CreateAsync(Net());

        Assert.Equal(1, created.Version);
        Assert.NotNull(created.CreatedAt);
        var read = await _api.GetAsync<LogicalSwitch>("net1");
        Assert.Equal(("private", 1450, 1L, "tenant"), (read.Name, read.Mtu, read.Version, read.Topic));

        var update = Assert.Single(_publisher.Published);
        Assert.Equal(("lswitch", "net1", DbUpdateAction.Create, "tenant", 1L), (update.Table, update.Key, update.Action, update.Topic, update.Version));
        Assert.Equal("private", (string?)JsonNode.Parse(update.Value!)!["name"]);
    }

    [Fact]
    public async Task CreatingTwiceFailsAndPublishesOnce()
    {
        await _api.CreateAsync(Net());
        await Assert.ThrowsAsync<NbKeyExistsException>(() => _api.CreateAsync(Net()));
        Assert.Single(_publisher.Published);
    }

    [Fact]
    public async Task UpdateBumpsTheVersionAndPublishesSet()
    {
        var net = await _api.CreateAsync(Net());
        net.Name = "renamed";

        await _api.UpdateAsync(net);

        Assert.Equal(2, net.Version);
        var read = await _api.GetAsync<LogicalSwitch>("net1");
        Assert.Equal(("renamed", 2L), (read.Name, read.Version));
        Assert.Equal([DbUpdateAction.Create, DbUpdateAction.Set], _publisher.Published.Select(u => u.Action));
        Assert.Equal(2, _publisher.Published.Last().Version);
    }

    [Fact]
    public async Task AStaleWriteConflictsAndLeavesTheObjectUnchanged()
    {
        await _api.CreateAsync(Net());
        var first = await _api.GetAsync<LogicalSwitch>("net1");
        var second = await _api.GetAsync<LogicalSwitch>("net1");
        first.Name = "first writer";
        await _api.UpdateAsync(first);

        second.Name = "stale writer";
        var e = await Assert.ThrowsAsync<NbVersionConflictException>(() => _api.UpdateAsync(second));

        Assert.Equal((1L, 2L), (e.Expected, e.Actual));
        Assert.Equal("/openstack/lswitch/net1", e.Key);
        Assert.Equal(1, second.Version);
        var stored = await _api.GetAsync<LogicalSwitch>("net1");
        Assert.Equal(("first writer", 2L), (stored.Name, stored.Version));
        Assert.Equal(2, _publisher.Published.Count);
    }

    [Fact]
    public async Task UpdateOfAMissingObjectIsNotFound()
    {
        await Assert.ThrowsAsync<NbKeyNotFoundException>(() => _api.UpdateAsync(Net("ghost")));
        await Assert.ThrowsAsync<NbKeyNotFoundException>(() => _api.UpdateAsync<LogicalSwitch>("ghost", n => n.Mtu = 1));
        await Assert.ThrowsAsync<NbKeyNotFoundException>(() => _api.GetAsync<LogicalSwitch>("ghost"));
        Assert.Null(await _api.TryGetAsync<LogicalSwitch>("ghost"));
    }

    [Fact]
    public async Task ReadModifyWriteRetriesUntilNoUpdateIsLost()
    {
        await _api.CreateAsync(new Chassis { Id = "counter", Ip = "0" });

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await _api.UpdateAsync<Chassis>("counter", c => c.Ip = (int.Parse(c.Ip) + 1).ToString());
            }
        })));

        var final = await _api.GetAsync<Chassis>("counter");
        Assert.Equal(("100", 101L), (final.Ip, final.Version));
    }

    [Fact]
    public async Task DeletePublishesTheLastValue()
    {
        await _api.CreateAsync(Net());

        await _api.DeleteAsync<LogicalSwitch>("net1");

        Assert.Null(await _api.TryGetAsync<LogicalSwitch>("net1"));
        var update = _publisher.Published.Last();
        Assert.Equal((DbUpdateAction.Delete, "tenant", 1L), (update.Action, update.Topic, update.Version));
        Assert.Equal("private", (string?)JsonNode.Parse(update.Value!)!["name"]);
        await Assert.ThrowsAsync<NbKeyNotFoundException>(() => _api.DeleteAsync<LogicalSwitch>("net1"));
    }

    [Fact]
    public async Task DeleteAtAStaleVersionConflicts()
    {
        await _api.CreateAsync(Net());
        await _api.UpdateAsync<LogicalSwitch>("net1", n => n.Mtu = 9000);

        await Assert.ThrowsAsync<NbVersionConflictException>(() => _api.DeleteAsync<LogicalSwitch>("net1", expectedVersion: 1));
        Assert.NotNull(await _api.TryGetAsync<LogicalSwitch>("net1"));
        await _api.DeleteAsync<LogicalSwitch>("net1", expectedVersion: 2);
        Assert.Null(await _api.TryGetAsync<LogicalSwitch>("net1"));
    }

    [Fact]
    public async Task ListFiltersByTopic()
    {
        await _api.CreateAsync(new LogicalPort { Id = "a", Topic = "t1", Lswitch = "n" });
        await _api.CreateAsync(new LogicalPort { Id = "b", Topic = "t2", Lswitch = "n" });
        await _api.CreateAsync(new LogicalPort { Id = "c", Topic = "t1", Lswitch = "n" });

        Assert.Equal(["a", "b", "c"], (await _api.ListAsync<LogicalPort>()).Items.Select(p => p.Id));
        Assert.Equal(["a", "c"], (await _api.ListAsync<LogicalPort>("t1")).Items.Select(p => p.Id));
        Assert.Equal(["b"], await _api.ListIdsAsync("lport", "t2"));
    }

    [Fact]
    public async Task CorruptStoredJsonIsReportedByTableAndKeyAndDoesNotHideTheGoodRows()
    {
        await _api.CreateAsync(Net("good1"));
        await _api.CreateAsync(Net("good2"));
        RawSqlite.Put(_dir.File("nb.db"), "lswitch", "bad", "{\"id\":\"bad\",\"mtu\":");

        var e = await Assert.ThrowsAsync<NbCorruptValueException>(() => _api.GetAsync<LogicalSwitch>("bad"));
        Assert.Equal(("lswitch", "bad"), (e.Table, e.Id));
        Assert.Contains("/openstack/lswitch/bad", e.Message);

        var list = await _api.ListAsync<LogicalSwitch>();
        Assert.Equal(["good1", "good2"], list.Items.Select(n => n.Id));
        Assert.Equal("bad", Assert.Single(list.Corrupt).Id);

        // Raw access still shows the bytes, so an operator can see and repair them.
        Assert.Equal("{\"id\":\"bad\",\"mtu\":", (await _api.GetRawAsync("lswitch", "bad"))!.Value);
        await _api.UpdateRawAsync("lswitch", "bad", """{"name":"repaired"}""");
        Assert.Equal("repaired", (await _api.GetAsync<LogicalSwitch>("bad")).Name);
    }

    [Fact]
    public async Task AStoredValueOfTheWrongShapeIsCorrupt()
    {
        RawSqlite.Put(_dir.File("nb.db"), "lport", "p", "[1,2,3]");
        RawSqlite.Put(_dir.File("nb.db"), "lport", "q", "{\"id\":\"other\"}");

        await Assert.ThrowsAsync<NbCorruptValueException>(() => _api.GetAsync<LogicalPort>("p"));
        var e = await Assert.ThrowsAsync<NbCorruptValueException>(() => _api.GetAsync<LogicalPort>("q"));
        Assert.Contains("other", e.Message);
    }

    [Fact]
    public async Task ACorruptUniqueKeyCounterIsReported()
    {
        RawSqlite.Put(_dir.File("nb.db"), "unique_key", "lport", "garbage");
        var e = await Assert.ThrowsAsync<NbCorruptValueException>(() => _api.AllocateUniqueKeyAsync<LogicalPort>());
        Assert.Equal("/openstack/unique_key/lport", e.Key);
    }

    [Theory]
    [InlineData("nosuch")]
    [InlineData("LPORT")]
    [InlineData("")]
    public async Task AnUnknownTableIsRefusedByName(string table)
    {
        var e = await Assert.ThrowsAsync<NbUnknownTableException>(() => _api.GetRawAsync(table, "x"));
        Assert.Contains("lswitch", e.Message);
        await Assert.ThrowsAsync<NbUnknownTableException>(() => _api.DumpRawAsync(table));
        await Assert.ThrowsAsync<NbUnknownTableException>(() => _api.CreateRawAsync(table, "x", "{}"));
        await Assert.ThrowsAsync<NbUnknownTableException>(() => _api.UpdateRawAsync(table, "x", "{}"));
        await Assert.ThrowsAsync<NbUnknownTableException>(() => _api.DeleteRawAsync(table, "x"));
        await Assert.ThrowsAsync<NbUnknownTableException>(() => _api.ListIdsAsync(table));
        await Assert.ThrowsAsync<NbUnknownTableException>(() => _api.CleanAsync(table));
    }

    [Fact]
    public async Task RawCreateValidatesAndNormalises()
    {
        var stored = await _api.CreateRawAsync("chassis", null, """{"id":"host1","ip":"192.0.2.1","tunnel_types":["vxlan"],"future_field":7}""");

        var node = JsonNode.Parse(stored)!;
        Assert.Equal((1L, 7), ((long)node["version"]!, (int)node["future_field"]!));
        Assert.Equal("192.0.2.1", (await _api.GetAsync<Chassis>("host1")).Ip);

        await Assert.ThrowsAsync<NbInvalidValueException>(() => _api.CreateRawAsync("chassis", "h2", "{oops"));
        await Assert.ThrowsAsync<NbInvalidValueException>(() => _api.CreateRawAsync("chassis", null, "{}"));
        await Assert.ThrowsAsync<NbInvalidValueException>(() => _api.CreateRawAsync("chassis", "h3", """{"id":"h4"}"""));
        Assert.Equal(["host1"], await _api.ListIdsAsync("chassis"));
    }

    [Fact]
    public async Task RawUpdateWithAStaleVersionConflicts()
    {
        await _api.CreateRawAsync("chassis", "h", """{"ip":"1"}""");
        await _api.UpdateRawAsync("chassis", "h", """{"ip":"2","version":1}""");

        await Assert.ThrowsAsync<NbVersionConflictException>(() => _api.UpdateRawAsync("chassis", "h", """{"ip":"3","version":1}"""));
        var stored = await _api.GetAsync<Chassis>("h");
        Assert.Equal(("2", 2L), (stored.Ip, stored.Version));
    }

    [Fact]
    public async Task CleanDeletesEverythingAndPublishesEachDelete()
    {
        await _api.CreateAsync(Net("a"));
        await _api.CreateAsync(new Chassis { Id = "h", Ip = "1" });
        await _api.AllocateUniqueKeyAsync<LogicalSwitch>();

        Assert.Equal(1, await _api.CleanAsync("chassis"));
        Assert.Equal(2, await _api.CleanAsync());

        foreach (var table in NbApi.TableNames)
        {
            Assert.Empty(await _api.DumpRawAsync(table));
        }
        Assert.Equal(3, _publisher.Published.Count(u => u.Action == DbUpdateAction.Delete));
    }

    [Fact]
    public async Task UniqueKeysComeFromTheObjectsTable()
    {
        Assert.Equal(1, await _api.AllocateUniqueKeyAsync<LogicalPort>());
        Assert.Equal(2, await _api.AllocateUniqueKeyAsync<LogicalPort>());
        Assert.Equal(1, await _api.AllocateUniqueKeyAsync<LogicalSwitch>());
        var counter = await _api.GetAsync<UniqueKeyCounter>("lport");
        Assert.Equal(2, counter.Value);
    }

    [Fact]
    public async Task UnknownFieldsSurviveATypedReadModifyWrite()
    {
        await _api.CreateRawAsync("lswitch", "n", """{"topic":"t","name":"x","qos_policy_id":"q1"}""");
        await _api.UpdateAsync<LogicalSwitch>("n", n => n.Name = "y");
        var raw = JsonNode.Parse((await _api.GetRawAsync("lswitch", "n"))!.Value)!;
        Assert.Equal(("y", "q1"), ((string?)raw["name"], (string?)raw["qos_policy_id"]));
    }
}
