using Dragonflow.Model;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.CrossProcess;

/// <summary>Several processes sharing one sqlite NB file, as a server and controllers on one host do.</summary>
public sealed class ConcurrentProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly ScratchDirectory _dir = new();

    private string Db => _dir.File("nb.db");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task TwoProcessesIncrementingOneObjectThroughCasLoseNoUpdate()
    {
        using (var driver = new SqliteNbDriver(Db))
        using (var api = new NbApi(driver))
        {
            await api.CreateAsync(new Chassis { Id = "counter", Ip = "0" });
        }

        using var a = Worker.Start("cas-increment", Db, "counter", "300");
        using var b = Worker.Start("cas-increment", Db, "counter", "300");
        await Task.WhenAll(a.WaitForExitAsync(Timeout), b.WaitForExitAsync(Timeout));

        using var check = new SqliteNbDriver(Db);
        var final = await new NbApi(check).GetAsync<Chassis>("counter");
        Assert.Equal("600", final.Ip);
        Assert.Equal(601, final.Version);
    }

    [Fact]
    public async Task TwoProcessesAllocatingUniqueKeysNeverGetTheSameOne()
    {
        using var a = Worker.Start("alloc", Db, "lport", "400");
        using var b = Worker.Start("alloc", Db, "lport", "400");
        var outputs = await Task.WhenAll(a.WaitForExitAsync(Timeout), b.WaitForExitAsync(Timeout));

        var keys = outputs.SelectMany(lines => lines).Select(long.Parse).ToList();
        Assert.Equal(800, keys.Count);
        Assert.Equal(Enumerable.Range(1, 800).Select(i => (long)i), keys.Order());
        // Each process saw its own keys in increasing order.
        Assert.All(outputs, lines => Assert.Equal(lines.Select(long.Parse).Order(), lines.Select(long.Parse)));
    }
}
