using System.Text.Json.Nodes;
using Dragonflow.Ovsdb.Data;
using Dragonflow.Ovsdb.Monitoring;
using Dragonflow.Testing;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Ovsdb.Tests;

/// <summary>monitor / monitor_cond against a real ovsdb-server, including a server restart.</summary>
public sealed class OvsdbMonitorTests : IAsyncLifetime
{
    private const string Db = "Open_vSwitch";
    private static readonly MonitorRequest[] Tables =
    {
        new("Bridge", new[] { "name", "fail_mode", "external_ids" }),
        new("Interface", new[] { "name", "type", "external_ids" }),
    };

    private readonly OvsdbServerProcess _server = OvsdbServerProcess.StartTemporary();
    private readonly RecordingLogger _log = new();
    private OvsdbClient _client = null!;

    public async Task InitializeAsync()
    {
        Vsctl("init");
        _client = await OvsdbClient.ConnectAsync(_server.UnixRemote, logger: _log).WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        _server.Dispose();
    }

    private string Vsctl(params string[] args) =>
        ProcessRunner.RunChecked("ovs-vsctl", new[] { "--db=" + _server.UnixRemote, "--no-wait" }.Concat(args)).StdOut.Trim();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DeliversInitialStateThenInsertsModificationsAndDeletes(bool conditional)
    {
        Vsctl("add-br", "br-pre");
        await using var monitor = await _client.MonitorAsync(Db, Tables, conditional);
        await using var stream = new MonitorStream(monitor);

        var initial = await stream.NextAsync();
        Assert.Equal(MonitorUpdateKind.Initial, initial.Kind);
        Assert.Contains(initial.Changes, c => c.Table == "Bridge" && c.Kind == RowChangeKind.Insert && c.New!.GetString("name") == "br-pre");

        Vsctl("add-br", "br-m");
        var insert = await stream.WaitForChangeAsync(c => c.Table == "Bridge" && c.New?.GetString("name") == "br-m");
        Assert.Equal(RowChangeKind.Insert, insert.Kind);
        Assert.Empty(insert.New!.GetStringMap("external_ids"));
        // The bridge's internal interface came in the same transaction, hence the same update.
        Assert.Equal("internal", monitor.Rows("Interface").Values.Single(r => r.GetString("name") == "br-m").GetString("type"));

        Vsctl("set", "Bridge", "br-m", "fail_mode=secure", "external_ids:a=1", "external_ids:b=2");
        var modify = await stream.WaitForChangeAsync(c => c.Uuid == insert.Uuid);
        Assert.Equal(RowChangeKind.Modify, modify.Kind);
        Assert.Equal("secure", modify.New!.GetString("fail_mode"));
        Assert.Null(modify.Old!.GetString("fail_mode"));
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, modify.New.GetStringMap("external_ids"));

        // One key changed, one removed, one added: the update2 map diff must be applied right.
        Vsctl("set", "Bridge", "br-m", "external_ids:a=10", "external_ids:c=3", "--", "remove", "Bridge", "br-m", "external_ids", "b");
        modify = await stream.WaitForChangeAsync(c => c.Uuid == insert.Uuid);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "10", ["c"] = "3" }, modify.New!.GetStringMap("external_ids"));
        Assert.Equal("secure", modify.New.GetString("fail_mode"));

        Vsctl("del-br", "br-m");
        var delete = await stream.WaitForChangeAsync(c => c.Uuid == insert.Uuid);
        Assert.Equal(RowChangeKind.Delete, delete.Kind);
        Assert.Equal("br-m", delete.Old!.GetString("name"));
        Assert.DoesNotContain(monitor.Rows("Bridge").Values, r => r.GetString("name") == "br-m");
        Assert.Contains(monitor.Rows("Bridge").Values, r => r.GetString("name") == "br-pre");
    }

    [Fact]
    public async Task ConditionalMonitorOnlyReportsMatchingRows()
    {
        await using var monitor = await _client.MonitorAsync(Db,
            new[] { new MonitorRequest("Bridge", new[] { "name" }, new[] { Condition.Equal("name", "br-wanted") }) });
        await using var stream = new MonitorStream(monitor);
        Assert.Empty((await stream.NextAsync()).Changes);

        Vsctl("add-br", "br-other", "--", "add-br", "br-wanted");
        var change = await stream.WaitForChangeAsync(_ => true);
        Assert.Equal("br-wanted", change.New!.GetString("name"));
        Assert.Single(monitor.Rows("Bridge"));
    }

    [Fact]
    public async Task AfterServerRestartTheMonitorResumesAndReportsWhatChangedMeanwhile()
    {
        Vsctl("add-br", "br-x", "--", "add-br", "br-z");
        var disconnected = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        _client.Disconnected += e => disconnected.TrySetResult(e);
        await using var monitor = await _client.MonitorAsync(Db, Tables);
        await using var stream = new MonitorStream(monitor);
        Assert.Equal(MonitorUpdateKind.Initial, (await stream.NextAsync()).Kind);
        var brZ = monitor.Rows("Bridge").Single(r => r.Value.GetString("name") == "br-z").Key;

        _server.Stop();
        await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(_client.IsConnected);

        // While the server is down, change the database file directly: modify br-x, drop br-z.
        var offline = new JsonArray(Db,
            new JsonObject
            {
                ["op"] = "update", ["table"] = "Bridge", ["where"] = new JsonArray(new JsonArray("name", "==", "br-x")),
                ["row"] = new JsonObject { ["external_ids"] = OvsdbDatum.Map(new Dictionary<string, string> { ["changed"] = "offline" }).ToJson() },
            },
            new JsonObject
            {
                ["op"] = "mutate", ["table"] = "Open_vSwitch", ["where"] = new JsonArray(),
                ["mutations"] = new JsonArray(new JsonArray("bridges", "delete", new JsonArray("uuid", brZ.ToString()))),
            });
        ProcessRunner.RunChecked("ovsdb-tool", "transact", _server.DatabaseFile, offline.ToJsonString());
        _server.Start();

        var resync = await stream.NextAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(MonitorUpdateKind.Resync, resync.Kind);
        var x = Assert.Single(resync.Changes, c => c.Table == "Bridge" && c.New?.GetString("name") == "br-x");
        Assert.Equal(RowChangeKind.Modify, x.Kind);
        Assert.Equal("offline", x.New!.GetStringMap("external_ids")["changed"]);
        Assert.Contains(resync.Changes, c => c.Uuid == brZ && c.Kind == RowChangeKind.Delete);
        Assert.Contains(resync.Changes, c => c.Table == "Interface" && c.Kind == RowChangeKind.Delete && c.Old!.GetString("name") == "br-z");
        Assert.Equal(2, _client.SessionCount);
        Assert.Equal(2, monitor.Subscriptions);

        // Live updates flow again, and requests work on the new session.
        Vsctl("add-br", "br-after");
        Assert.Equal(RowChangeKind.Insert, (await stream.WaitForChangeAsync(c => c.New?.GetString("name") == "br-after")).Kind);
        Assert.Contains(Db, await _client.ListDatabasesAsync());
    }

    [Fact]
    public async Task RequestsIssuedWhileDisconnectedWaitForTheNextSession()
    {
        _server.Kill(); // no goodbye: the client only sees the socket die
        var pending = _client.ListDatabasesAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_client.IsConnected && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(_client.IsConnected);
        _server.Start();
        // The request either waited for the new session or failed with a connection error
        // if it had been sent on the dying one; it never hangs.
        try
        {
            Assert.Contains(Db, await pending.WaitAsync(TimeSpan.FromSeconds(15)));
        }
        catch (OvsdbConnectionException)
        {
        }
        Assert.Contains(Db, await _client.ListDatabasesAsync().WaitAsync(TimeSpan.FromSeconds(15)));
    }

    private int ServerMonitorCount()
    {
        var memory = ProcessRunner.RunChecked("ovs-appctl", "-t", _server.ControlPath, "memory/show").StdOut;
        var m = System.Text.RegularExpressions.Regex.Match(memory, @"monitors:(\d+)");
        return m.Success ? int.Parse(m.Groups[1].Value) : 0;
    }

    [Fact]
    public async Task DisposedMonitorEndsItsStreamAndIsCancelledOnTheServer()
    {
        var monitor = await _client.MonitorAsync(Db, Tables);
        Assert.Equal(1, ServerMonitorCount());
        var updates = new List<MonitorUpdate>();
        var reader = Task.Run(async () =>
        {
            await foreach (var u in monitor.ReadUpdatesAsync()) updates.Add(u);
        });
        await monitor.DisposeAsync();
        await reader.WaitAsync(TimeSpan.FromSeconds(5)); // the stream ended
        Assert.Equal(0, ServerMonitorCount());          // monitor_cancel reached the server
        Vsctl("add-br", "br-late");
        // A second monitor sees the change; the cancelled one received nothing after its initial state.
        await using var second = await _client.MonitorAsync(Db, Tables);
        Assert.Contains(second.Rows("Bridge").Values, r => r.GetString("name") == "br-late");
        Assert.Equal(MonitorUpdateKind.Initial, Assert.Single(updates).Kind);
        Assert.True(_client.IsConnected);
    }
}
