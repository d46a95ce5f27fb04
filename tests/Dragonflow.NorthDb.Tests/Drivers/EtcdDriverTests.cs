using dotnet_etcd;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Etcd;
using Dragonflow.Testing.Backends;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>The conformance suite against a real etcd shared by the class, emptied per test.</summary>
public sealed class EtcdDriverTests(EtcdServer server) : NbDriverConformance, IClassFixture<EtcdServer>
{
    protected override async Task<INbDriver> OpenEmptyDatabaseAsync()
    {
        using var client = new EtcdClient($"http://{server.Endpoint}");
        await client.DeleteRangeAsync("/openstack/");
        return await OpenSameDatabaseAsync();
    }

    protected override Task<INbDriver> OpenSameDatabaseAsync() => Task.FromResult<INbDriver>(new EtcdNbDriver([server.Endpoint]));

    protected override NbOptions FactoryOptions => new() { NbDbClass = "etcd", RemoteDbHosts = [server.Endpoint] };

    protected override (Func<INbDriver> Open, string Where) Unreachable()
    {
        var where = $"127.0.0.1:{LoopbackPort.Free()}";
        return (() => new EtcdNbDriver([where], operationTimeout: TimeSpan.FromSeconds(2)), where);
    }

    [Fact]
    public async Task TheValueIsStoredVerbatimAtItsKeyWithATopicIndexBeside()
    {
        await Driver.CreateAsync("lport", "p1", """{"id":"p1"}""", "t1");

        using var client = new EtcdClient($"http://{server.Endpoint}");
        Assert.Equal("""{"id":"p1"}""", await client.GetValAsync("/openstack/lport/p1"));
        Assert.Equal("t1", await client.GetValAsync("/openstack/.topic-of/lport/p1"));
        Assert.Single((await client.GetRangeAsync("/openstack/.topic/lport/t1/")).Kvs);
    }

    [Fact]
    public async Task ARevisionIsTheKeysModRevision()
    {
        var rev = await Driver.CreateAsync("lport", "p1", "1", null);

        using var client = new EtcdClient($"http://{server.Endpoint}");
        Assert.Equal(rev, (await client.GetAsync("/openstack/lport/p1")).Kvs[0].ModRevision);
    }

    [Fact]
    public async Task ATopicContainingASlashDoesNotLeakIntoAShorterTopic()
    {
        await Driver.CreateAsync("lport", "p1", "1", "a/b");
        await Driver.CreateAsync("lport", "p2", "2", "a");

        Assert.Equal(["p2"], await Driver.ListIdsAsync("lport", "a"));
        Assert.Equal(["p1"], (await Driver.ListAsync("lport", "a/b")).Select(e => e.Id));
    }

    [Fact]
    public async Task ListingATopicLargerThanOneTxnReadsEveryEntry()
    {
        for (var i = 0; i < 250; i++)
        {
            await Driver.CreateAsync("lport", $"p{i:D3}", $"{i}", "t");
        }

        var entries = await Driver.ListAsync("lport", "t");

        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"p{i:D3}"), entries.Select(e => e.Id));
        Assert.Equal("249", entries[^1].Value);
    }
}
