using Dragonflow.Model;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.Testing.Backends;

namespace Dragonflow.NorthDb.Tests.CrossProcess;

/// <summary>
/// Two worker processes on one networked NB backend, as several API servers and controllers on
/// different hosts are: compare-and-swap loses no update and unique keys never repeat.
/// </summary>
public abstract class RemoteBackendProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>The worker's DB argument, e.g. redis:127.0.0.1:6379.</summary>
    protected abstract string Db { get; }

    protected abstract INbDriver OpenDriver();

    /// <summary>Empties the backend.</summary>
    public abstract Task InitializeAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TwoProcessesIncrementingOneObjectThroughCasLoseNoUpdate()
    {
        using (var driver = OpenDriver())
        using (var api = new NbApi(driver))
        {
            await api.CreateAsync(new Chassis { Id = "counter", Ip = "0" });
        }

        using var a = Worker.Start("cas-increment", Db, "counter", "150");
        using var b = Worker.Start("cas-increment", Db, "counter", "150");
        await Task.WhenAll(a.WaitForExitAsync(Timeout), b.WaitForExitAsync(Timeout));

        using var check = OpenDriver();
        var final = await new NbApi(check).GetAsync<Chassis>("counter");
        Assert.Equal("300", final.Ip);
        Assert.Equal(301, final.Version);
    }

    [Fact]
    public async Task TwoProcessesAllocatingUniqueKeysNeverGetTheSameOne()
    {
        using var a = Worker.Start("alloc", Db, "lport", "200");
        using var b = Worker.Start("alloc", Db, "lport", "200");
        var outputs = await Task.WhenAll(a.WaitForExitAsync(Timeout), b.WaitForExitAsync(Timeout));

        var keys = outputs.SelectMany(lines => lines).Select(long.Parse).ToList();
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), keys.Order());
        Assert.All(outputs, lines => Assert.Equal(lines.Select(long.Parse).Order(), lines.Select(long.Parse)));
    }
}

public sealed class RedisProcessTests(RedisServer server) : RemoteBackendProcessTests, IClassFixture<RedisServer>
{
    protected override string Db => $"redis:{server.Endpoint}";

    protected override INbDriver OpenDriver() => new Dragonflow.NorthDb.Drivers.Redis.RedisNbDriver([server.Endpoint]);

    public override Task InitializeAsync()
    {
        server.Flush();
        return Task.CompletedTask;
    }
}

public sealed class EtcdProcessTests(EtcdServer server) : RemoteBackendProcessTests, IClassFixture<EtcdServer>
{
    protected override string Db => $"etcd:{server.Endpoint}";

    protected override INbDriver OpenDriver() => new Dragonflow.NorthDb.Drivers.Etcd.EtcdNbDriver([server.Endpoint]);

    public override async Task InitializeAsync()
    {
        using var client = new dotnet_etcd.EtcdClient($"http://{server.Endpoint}");
        await client.DeleteRangeAsync("/openstack/");
    }
}

public sealed class ZooKeeperProcessTests(ZooKeeperServer server) : RemoteBackendProcessTests, IClassFixture<ZooKeeperServer>
{
    protected override string Db => $"zookeeper:{server.Endpoint}";

    protected override INbDriver OpenDriver() => new Dragonflow.NorthDb.Drivers.ZooKeeper.ZooKeeperNbDriver([server.Endpoint]);

    public override async Task InitializeAsync()
    {
        await using var client = await Dragonflow.ZooKeeper.ZooKeeperClient.ConnectAsync(new() { Hosts = [server.Endpoint] });
        await Drivers.ZooKeeperDriverTests.DeleteTreeAsync(client, "/openstack");
    }
}
