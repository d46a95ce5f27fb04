using System.Text.RegularExpressions;
using Dragonflow.Model;
using Dragonflow.Testing.NorthDb;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>Full syncs whose NB reads fail: the data plane keeps forwarding, the controller retries and converges.</summary>
public sealed partial class NbOutageSyncTests
{
    private const string ReadFailed = "full sync read failed";

    [Fact]
    public async Task Full_syncs_that_cannot_read_nb_keep_the_flows_retry_and_converge_once_nb_is_back()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        var a = await s.AddChassisAsync(startController: false);
        a.Options = a.Options with { SafetySyncInterval = TimeSpan.FromSeconds(1) }; // a full sync every second
        await a.StartControllerAsync();
        var net = await s.CreateNetworkAsync(100);
        var p1 = await s.CreatePortAsync(net, "fa:16:3e:00:00:01", "10.0.0.1");
        var p2 = await s.CreatePortAsync(net, "fa:16:3e:00:00:02", "10.0.0.2");
        using var vm1 = s.Plug(a, p1);
        using var vm2 = s.Plug(a, p2);
        await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
        await s.WaitForStatusAsync(p2.Id, "ACTIVE", a.Host);
        Assert.True(vm1.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)), s.Diagnostics());
        await a.WaitForSettledFlowsAsync();
        var before = Flows(a.DumpFlows());

        // The NB file stays, but the table every read uses is gone: each sync's read fails.
        using var db = new SqliteConnection($"Data Source={s.Nb.NbDbPath};Pooling=False");
        db.Open();
        Execute(db, "ALTER TABLE nb_kv RENAME TO nb_kv_away");
        await Poll.UntilAsync(() => Failures(a) >= 1, TimeSpan.FromSeconds(20), "a full sync that could not read NB");

        // Meanwhile a port appears in NB without any pub/sub message: only a full sync can bring it.
        var p3 = new LogicalPort
        {
            Id = "p3-behind-pubsub", Topic = net.Topic, Lswitch = net.Id, Macs = ["fa:16:3e:00:00:03"],
            Ips = [new FixedIp("s", "10.0.0.3")], UniqueKey = 4242, Version = 1,
        };
        Execute(db, "INSERT INTO nb_kv (key, tbl, id, topic, value, revision) VALUES ($key, 'lport', $id, $topic, $value, (SELECT max(revision) + 1 FROM nb_kv))"
            .Replace("nb_kv", "nb_kv_away", StringComparison.Ordinal),
            ("$key", NbKey.For("lport", p3.Id)), ("$id", p3.Id), ("$topic", p3.Topic), ("$value", NbTables.Lport.Format(p3)));
        using var vm3 = s.Plug(a, p3);

        // The syncs keep failing and being retried; the switch keeps its flows and forwards.
        var failures = Failures(a);
        await Poll.UntilAsync(() => Failures(a) >= failures + 2, TimeSpan.FromSeconds(20), "the failed sync retried");
        Assert.Equal(before, Flows(a.DumpFlows()));
        Assert.True(vm1.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)), "ping while NB cannot be read");
        Assert.False(a.Controller!.Completion.IsCompleted);

        // NB is back: the next retry reads it and the new port converges.
        Execute(db, "ALTER TABLE nb_kv_away RENAME TO nb_kv");
        await s.WaitForStatusAsync(p3.Id, "ACTIVE", a.Host, TimeSpan.FromSeconds(30));
        Assert.True(vm1.WaitForPing("10.0.0.3", TimeSpan.FromSeconds(10)), s.Diagnostics());
        Assert.True(vm1.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)));
    }

    private static int Failures(ChassisUnderTest chassis) =>
        chassis.Log.Entries.Count(e => e.Level >= LogLevel.Warning && e.Message.Contains(ReadFailed, StringComparison.Ordinal));

    private static void Execute(SqliteConnection db, string sql, params (string Name, string? Value)[] parameters)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, (object?)value ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    /// <summary>A dump's flows without counters (cookies included: nothing may be rewritten), sorted.</summary>
    private static List<string> Flows(string dump) =>
        [.. dump.Split('\n').Where(l => l.Contains("actions=", StringComparison.Ordinal)).Select(l => Counters().Replace(l, "").Trim()).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"(duration|n_packets|n_bytes|idle_age|hard_age)=[^,\s]+,?\s?")]
    private static partial Regex Counters();
}
