using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Redis;
using Dragonflow.Testing.Backends;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>The conformance suite against a real redis-server shared by the class, flushed per test.</summary>
public sealed class RedisDriverTests(RedisServer server) : NbDriverConformance, IClassFixture<RedisServer>
{
    protected override Task<INbDriver> OpenEmptyDatabaseAsync()
    {
        server.Flush();
        return OpenSameDatabaseAsync();
    }

    protected override Task<INbDriver> OpenSameDatabaseAsync() => Task.FromResult<INbDriver>(new RedisNbDriver([server.Endpoint]));

    protected override NbOptions FactoryOptions => new() { NbDbClass = "redis", RemoteDbHosts = [server.Endpoint] };

    protected override (Func<INbDriver> Open, string Where) Unreachable()
    {
        var where = $"127.0.0.1:{LoopbackPort.Free()}";
        return (() => new RedisNbDriver([where], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), where);
    }

    [Fact]
    public async Task ListingUsesTheIndexSetsNotTheKeyspace()
    {
        await Driver.CreateAsync("lport", "p1", "1", "t1");
        await Driver.CreateAsync("lport", "p2", "2", null);

        Assert.Equal(":2", server.TryCommand("SCARD", "/openstack/.table/lport"));
        Assert.Equal(":1", server.TryCommand("SCARD", "/openstack/.topic/lport/t1"));

        // A key written behind the driver's back is not in the index, so it is not listed.
        server.TryCommand("HSET", "/openstack/lport/stray", "value", "3", "revision", "1");
        Assert.Equal(["p1", "p2"], await Driver.ListIdsAsync("lport"));
    }
}
