using Dragonflow.Model;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.NorthDb.Observability;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.Observability;

/// <summary>
/// NB operations are counted and timed per driver, operation, table and outcome. The counters
/// are process-wide and other sqlite tests run in parallel: the assertions are lower bounds on
/// the increase this test causes.
/// </summary>
public sealed class NbMetricsTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly SqliteNbDriver _driver;
    private readonly NbApi _api;

    public NbMetricsTests()
    {
        _driver = new SqliteNbDriver(_dir.File("nb.db"));
        _api = new NbApi(_driver);
    }

    public void Dispose()
    {
        _api.Dispose();
        _driver.Dispose();
        _dir.Dispose();
    }

    private static double Count(string op, string table, string result) =>
        NbMetrics.Operations.WithLabels("sqlite", op, table, result).Value;

    [Fact]
    public async Task Every_outcome_of_an_operation_has_its_own_count()
    {
        var created = Count("create", "lrouter", "ok");
        var exists = Count("create", "lrouter", "exists");
        var conflict = Count("update", "lrouter", "conflict");
        var notFound = Count("delete", "lrouter", "not_found");
        var listed = Count("list", "lrouter", "ok");
        var timed = NbMetrics.OperationSeconds.WithLabels("sqlite", "create").Count;

        var router = await _api.CreateAsync(new LogicalRouter { Id = "r-" + Guid.NewGuid().ToString("n")[..8], Topic = "t" });
        await Assert.ThrowsAsync<NbKeyExistsException>(() => _api.CreateAsync(new LogicalRouter { Id = router.Id, Topic = "t" }));
        // A write based on an old version loses the compare-and-swap at the driver.
        var entry = (await _api.Driver.GetAsync("lrouter", router.Id))!;
        await _api.UpdateAsync<LogicalRouter>(router.Id, r => r.Name = "changed");
        await Assert.ThrowsAsync<NbVersionConflictException>(async () =>
            await _api.Driver.UpdateAsync("lrouter", router.Id, entry.Value, "t", entry.Revision));
        await Assert.ThrowsAsync<NbKeyNotFoundException>(() => _api.DeleteAsync<LogicalRouter>("no-such-router"));
        await _api.ListAsync<LogicalRouter>();

        Assert.True(Count("create", "lrouter", "ok") - created >= 1);
        Assert.True(Count("create", "lrouter", "exists") - exists >= 1);
        Assert.True(Count("update", "lrouter", "conflict") - conflict >= 1);
        Assert.True(Count("delete", "lrouter", "not_found") - notFound >= 1);
        Assert.True(Count("list", "lrouter", "ok") - listed >= 1);
        Assert.True(NbMetrics.OperationSeconds.WithLabels("sqlite", "create").Count - timed >= 2);
    }

    [Fact]
    public void The_metered_driver_keeps_the_watch_capability_and_is_not_wrapped_twice()
    {
        Assert.IsNotAssignableFrom<INbWatchableDriver>(_api.Driver);
        var metered = Assert.IsAssignableFrom<MeteredNbDriver>(_api.Driver);
        Assert.Same(_driver, metered.Inner);
        Assert.Same(_api.Driver, MeteredNbDriver.Wrap(_api.Driver));
        Assert.Equal("sqlite", _api.Driver.Name);
    }
}
