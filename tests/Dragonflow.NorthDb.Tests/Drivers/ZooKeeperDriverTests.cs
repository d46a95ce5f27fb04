using System.Text;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.ZooKeeper;
using Dragonflow.Testing.Backends;
using Dragonflow.ZooKeeper;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>The conformance suite against a real ZooKeeper shared by the class, emptied per test.</summary>
public sealed class ZooKeeperDriverTests(ZooKeeperServer server) : NbDriverConformance, IClassFixture<ZooKeeperServer>
{
    protected override async Task<INbDriver> OpenEmptyDatabaseAsync()
    {
        await using var client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { Hosts = [server.Endpoint] });
        await DeleteTreeAsync(client, "/openstack");
        return await OpenSameDatabaseAsync();
    }

    protected override Task<INbDriver> OpenSameDatabaseAsync() => Task.FromResult<INbDriver>(new ZooKeeperNbDriver([server.Endpoint]));

    protected override NbOptions FactoryOptions => new() { NbDbClass = "zookeeper", RemoteDbHosts = [server.Endpoint] };

    protected override (Func<INbDriver> Open, string Where) Unreachable()
    {
        var where = $"127.0.0.1:{LoopbackPort.Free()}";
        return (() => new ZooKeeperNbDriver([where], operationTimeout: TimeSpan.FromSeconds(2)), where);
    }

    internal static async Task DeleteTreeAsync(ZooKeeperClient client, string path)
    {
        try
        {
            foreach (var child in (await client.GetChildrenAsync(path)).Children)
            {
                await DeleteTreeAsync(client, $"{path}/{child}");
            }
            await client.DeleteAsync(path);
        }
        catch (ZooKeeperNoNodeException)
        {
        }
    }

    [Fact]
    public async Task TheValueIsStoredVerbatimAtItsZnodeWithATopicIndexBeside()
    {
        await Driver.CreateAsync("lport", "p1", """{"id":"p1"}""", "t1");

        await using var client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { Hosts = [server.Endpoint] });
        Assert.Equal("""{"id":"p1"}""", Encoding.UTF8.GetString((await client.GetDataAsync("/openstack/lport/p1")).Data));
        Assert.Equal("\"t1\"", Encoding.UTF8.GetString((await client.GetDataAsync("/openstack/.topic-of/lport/p1")).Data));
        Assert.Equal(["p1"], (await client.GetChildrenAsync("/openstack/.topic/lport/t1")).Children);
    }

    [Fact]
    public async Task ARevisionIsTheZnodesMzxid()
    {
        var rev = await Driver.CreateAsync("lport", "p1", "1", null);
        var rev2 = await Driver.UpdateAsync("lport", "p1", "2", null, rev);

        await using var client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions { Hosts = [server.Endpoint] });
        var stat = (await client.GetDataAsync("/openstack/lport/p1")).Stat;
        Assert.Equal((rev2, rev), (stat.Mzxid, stat.Czxid));
    }

    [Fact]
    public async Task ADeleteAndRecreateBetweenReadAndWriteIsAConflictEvenAtTheSameZnodeVersion()
    {
        // The znode version restarts at 0 on re-create; the revision (mzxid) does not.
        var old = await Driver.CreateAsync("lport", "p", "1", "t");
        await Driver.DeleteAsync("lport", "p");
        await Driver.CreateAsync("lport", "p", "2", "t");

        await Assert.ThrowsAsync<NbVersionConflictException>(() => Driver.UpdateAsync("lport", "p", "3", "t", old).AsTask());
        await Assert.ThrowsAsync<NbVersionConflictException>(() => Driver.DeleteAsync("lport", "p", old).AsTask());
        Assert.Equal("2", (await Driver.GetAsync("lport", "p"))!.Value);
    }

    [Fact]
    public async Task IdsAndTopicsWithSlashesAndCharactersZooKeeperRefusesRoundTrip()
    {
        string[] ids = ["a/b", "..", "100%", "emoji-\U0001F600", "tab\there"];
        foreach (var id in ids)
        {
            await Driver.CreateAsync("lport", id, "1", "x/y");
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), await Driver.ListIdsAsync("lport"));
        Assert.Equal(ids.Order(StringComparer.Ordinal), (await Driver.ListAsync("lport", "x/y")).Select(e => e.Id));
        Assert.Empty(await Driver.ListIdsAsync("lport", "x"));
        Assert.Equal("x/y", (await Driver.GetAsync("lport", "a/b"))!.Topic);
    }

    [Fact]
    public async Task ListingManyEntriesReadsEveryOne()
    {
        for (var i = 0; i < 300; i++)
        {
            await Driver.CreateAsync("lport", $"p{i:D3}", $"{i}", i % 2 == 0 ? "even" : "odd");
        }

        Assert.Equal(300, (await Driver.ListAsync("lport")).Count);
        var even = await Driver.ListAsync("lport", "even");
        Assert.Equal(Enumerable.Range(0, 150).Select(i => $"p{2 * i:D3}"), even.Select(e => e.Id));
        Assert.All(even, e => Assert.Equal("even", e.Topic));
    }
}
