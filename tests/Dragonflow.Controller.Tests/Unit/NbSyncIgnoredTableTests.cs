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

/// <summary>The API server's RBAC policies reach the controllers (full sync, pub/sub) and are passed over quietly.</summary>
public sealed class NbSyncIgnoredTableTests
{
    [Fact]
    public async Task Rbac_policies_change_nothing_and_log_nothing_on_a_controller()
    {
        using var scratch = new ScratchDirectory("df-rbac-sync-");
        using var driver = new SqliteNbDriver(scratch.File("nb.db"));
        using var api = new NbApi(driver);
        var net = await api.CreateAsync(new LogicalSwitch { Id = "net", Topic = "alice", UniqueKey = 1 });
        var policy = await api.CreateAsync(new RbacPolicy
        {
            Id = "policy", Topic = "alice", ObjectId = net.Id, Action = RbacPolicy.AccessAsShared, TargetTenant = "bob",
        });
        var cache = new NbCache();
        var posted = new List<WorkItem>();
        var log = new RecordingLogger();
        using var metrics = new ControllerMetrics("chassis-1");
        var sync = new NbSync(api, cache, new ChangeRouter(cache, []), () => 0, posted.Add, metrics, log);

        Assert.Equal(1, await sync.LoadAsync(CancellationToken.None)); // the network only
        foreach (var action in new[] { DbUpdateAction.Create, DbUpdateAction.Set, DbUpdateAction.Delete, DbUpdateAction.Sync })
            sync.Apply(new DbUpdate
            {
                Table = NbTables.RbacPolicy.Name, Key = policy.Id, Action = action, Topic = "alice", Version = 2,
                Value = NbTables.RbacPolicy.Format(policy),
            });

        Assert.Empty(posted);
        Assert.Null(cache.Find(NbTables.RbacPolicy.Name, policy.Id));
        Assert.Equal("net", Assert.Single(cache.Networks.Keys));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
    }
}
