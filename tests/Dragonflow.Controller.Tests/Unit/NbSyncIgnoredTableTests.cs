using Dragonflow.Controller.Hosting;
using Dragonflow.Controller.Observability;
using Dragonflow.Controller.Routing;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.Testing;
using Dragonflow.Testing.NorthDb;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>The API server's own tables (RBAC policies, subnet pools, address scopes) reach the controllers (full sync, pub/sub) and are passed over quietly.</summary>
public sealed class NbSyncIgnoredTableTests
{
    [Theory]
    [InlineData("rbac_policy")]
    [InlineData("subnetpool")]
    [InlineData("address_scope")]
    [InlineData("quota")]
    public async Task Api_only_tables_change_nothing_and_log_nothing_on_a_controller(string tableName)
    {
        using var scratch = new ScratchDirectory("df-rbac-sync-");
        using var driver = new SqliteNbDriver(scratch.File("nb.db"));
        using var api = new NbApi(driver);
        var net = await api.CreateAsync(new LogicalSwitch { Id = "net", Topic = "alice", UniqueKey = 1 });
        await api.CreateAsync(new RbacPolicy
        {
            Id = "policy", Topic = "alice", ObjectId = net.Id, Action = RbacPolicy.AccessAsShared, TargetTenant = "bob",
        });
        await api.CreateAsync(new SubnetPool
        {
            Id = "pool", Topic = "alice", Prefixes = ["10.0.0.0/16"], Allocations = [new PoolAllocation("s1", "10.0.0.0/24", "alice")],
        });
        await api.CreateAsync(new AddressScope { Id = "scope", Topic = "alice" });
        await api.CreateAsync(new ProjectQuota { Id = "alice", Topic = "alice", Limits = new() { ["network"] = 5 } });
        Assert.True(NbTables.TryGet(tableName, out var table));
        var row = Assert.Single(await driver.ListAsync(tableName));
        var cache = new NbCache();
        var posted = new List<WorkItem>();
        var log = new RecordingLogger();
        using var metrics = new ControllerMetrics("chassis-1");
        var sync = new NbSync(api, cache, new ChangeRouter(cache, []), () => 0, posted.Add, metrics, log);

        Assert.Equal(1, await sync.LoadAsync(CancellationToken.None)); // the network only
        foreach (var action in new[] { DbUpdateAction.Create, DbUpdateAction.Set, DbUpdateAction.Delete, DbUpdateAction.Sync })
            sync.Apply(new DbUpdate
            {
                Table = table.Name, Key = row.Id, Action = action, Topic = "alice", Version = 2, Value = row.Value,
            });

        Assert.Empty(posted);
        Assert.Null(cache.Find(table.Name, row.Id));
        Assert.Equal("net", Assert.Single(cache.Networks.Keys));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
    }
}
