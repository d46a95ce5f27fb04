using Dragonflow.Ovsdb.Data;
using Dragonflow.Testing;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Ovsdb.Tests;

/// <summary>The RFC 7047 methods against a real ovsdb-server (Open_vSwitch schema).</summary>
public sealed class OvsdbClientTests : IAsyncLifetime
{
    private const string Db = "Open_vSwitch";
    private readonly OvsdbServerProcess _server = OvsdbServerProcess.StartTemporary();
    private readonly RecordingLogger _log = new();
    private OvsdbClient _client = null!;

    public async Task InitializeAsync()
    {
        ProcessRunner.RunChecked("ovs-vsctl", "--db=" + _server.UnixRemote, "--no-wait", "init");
        _client = await OvsdbClient.ConnectAsync(_server.UnixRemote, logger: _log).WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        _server.Dispose();
    }

    private string Vsctl(params string[] args) =>
        ProcessRunner.RunChecked("ovs-vsctl", new[] { "--db=" + _server.UnixRemote, "--no-wait" }.Concat(args)).StdOut.Trim();

    [Fact]
    public async Task ListsDatabasesAndReadsSchemaOverUnixAndTcp()
    {
        Assert.Contains(Db, await _client.ListDatabasesAsync());
        var schema = await _client.GetSchemaAsync(Db);
        Assert.Equal(Db, schema.Name);
        var iface = schema.Table("Interface");
        Assert.True(iface.Columns["external_ids"].Type.IsMap);
        Assert.False(iface.Columns["ofport"].Type.IsScalar); // optional integer: a set of 0..1
        Assert.True(iface.Columns["name"].Type.IsScalar);
        Assert.True(schema.Table("Open_vSwitch").IsRoot);
        Assert.False(schema.Table("Bridge").IsRoot); // kept alive only by a reference from Open_vSwitch

        await using var tcp = await OvsdbClient.ConnectAsync(_server.TcpRemote!).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(Db, await tcp.ListDatabasesAsync());
        await tcp.EchoAsync();
    }

    [Fact]
    public async Task TransactsInsertSelectUpdateMutateWaitDeleteWithNamedUuids()
    {
        // Insert interface, port and bridge in one transaction, linked by named uuids, and hook
        // the bridge into the root Open_vSwitch row (otherwise it would be garbage collected).
        var results = await _client.TransactAsync(Db,
            Operation.Comment("test: create br-t"),
            Operation.Insert("Interface", new Dictionary<string, OvsdbDatum> { ["name"] = "br-t", ["type"] = "internal" }, "iface"),
            Operation.Insert("Port", new Dictionary<string, OvsdbDatum>
            {
                ["name"] = "br-t",
                ["interfaces"] = OvsdbAtom.NamedUuid("iface"),
            }, "port"),
            Operation.Insert("Bridge", new Dictionary<string, OvsdbDatum>
            {
                ["name"] = "br-t",
                ["ports"] = OvsdbDatum.Set(OvsdbAtom.NamedUuid("port")),
                ["external_ids"] = OvsdbDatum.Map(new Dictionary<string, string> { ["owner"] = "test" }),
            }, "bridge"),
            Operation.Mutate("Open_vSwitch", Condition.All, new[] { Mutation.Insert("bridges", OvsdbAtom.NamedUuid("bridge")) }));
        var bridgeUuid = results[3].Uuid!.Value;
        Assert.Equal(1, results[4].Count);
        Assert.Equal("br-t", Vsctl("list-br"));
        Assert.Equal("", Vsctl("list-ports", "br-t")); // the bridge's own internal port is not listed

        var selected = await _client.TransactAsync(Db,
            Operation.Select("Bridge", new[] { Condition.Equal("name", "br-t") }, new[] { "_uuid", "name", "external_ids", "ports" }));
        var row = Assert.Single(selected[0].Rows);
        Assert.Equal(bridgeUuid, row.Uuid);
        Assert.Equal("test", row.GetStringMap("external_ids")["owner"]);
        Assert.Single(row.GetUuids("ports"));

        var updated = await _client.TransactAsync(Db,
            Operation.Update("Bridge", new[] { Condition.IsRow(bridgeUuid) }, new Dictionary<string, OvsdbDatum> { ["fail_mode"] = "secure" }),
            Operation.Mutate("Bridge", new[] { Condition.IsRow(bridgeUuid) }, new[]
            {
                Mutation.Insert("external_ids", OvsdbDatum.Map(new Dictionary<string, string> { ["extra"] = "yes" })),
                Mutation.Delete("external_ids", OvsdbDatum.Set("owner")),
            }));
        Assert.Equal(1, updated[0].Count);
        Assert.Equal("secure", Vsctl("get", "Bridge", "br-t", "fail_mode"));
        Assert.Equal("{extra=yes}", Vsctl("get", "Bridge", "br-t", "external_ids"));

        // wait: satisfied immediately, so the transaction goes through.
        await _client.TransactAsync(Db,
            Operation.Wait("Bridge", new[] { Condition.Equal("name", "br-t") }, new[] { "fail_mode" }, equal: true,
                new[] { new Dictionary<string, OvsdbDatum> { ["fail_mode"] = "secure" } }, timeoutMs: 0),
            Operation.WaitAbsent("Bridge", new[] { Condition.Equal("name", "br-other") }));

        var deleted = await _client.TransactAsync(Db,
            Operation.Mutate("Open_vSwitch", Condition.All, new[] { Mutation.Delete("bridges", OvsdbDatum.UuidSet(new[] { bridgeUuid })) }),
            Operation.Delete("Bridge", new[] { Condition.IsRow(bridgeUuid) }));
        Assert.Equal(1, deleted[1].Count);
        Assert.Equal("", Vsctl("list-br"));
        // Port and Interface are not root tables: they went with the bridge.
        Assert.Equal("", Vsctl("--columns=name", "list", "Port"));
    }

    [Fact]
    public async Task FailedOperationSurfacesAsTransactionExceptionAndAppliesNothing()
    {
        Vsctl("add-br", "br-a");

        // A second bridge with the same (indexed) name fails at commit time.
        var commit = await Assert.ThrowsAsync<OvsdbTransactionException>(() => _client.TransactAsync(Db,
            Operation.Insert("Bridge", new Dictionary<string, OvsdbDatum> { ["name"] = "br-a" }, "b"),
            Operation.Mutate("Open_vSwitch", Condition.All, new[] { Mutation.Insert("bridges", OvsdbAtom.NamedUuid("b")) })));
        Assert.Equal("constraint violation", commit.Error);
        Assert.Equal(2, commit.OperationIndex);
        Assert.Null(commit.Operation);
        Assert.Contains("br-a", commit.Message);

        // A failing wait precondition fails at its own index; the earlier insert is rolled back.
        var wait = await Assert.ThrowsAsync<OvsdbTransactionException>(() => _client.TransactAsync(Db,
            Operation.Insert("Bridge", new Dictionary<string, OvsdbDatum> { ["name"] = "br-b" }, "b"),
            Operation.Mutate("Open_vSwitch", Condition.All, new[] { Mutation.Insert("bridges", OvsdbAtom.NamedUuid("b")) }),
            Operation.WaitAbsent("Bridge", new[] { Condition.Equal("name", "br-a") })));
        Assert.Equal("timed out", wait.Error);
        Assert.Equal(2, wait.OperationIndex);
        Assert.Equal("wait", wait.Operation);

        // An unknown column is rejected with the server's error text.
        var syntax = await Assert.ThrowsAsync<OvsdbTransactionException>(() => _client.TransactAsync(Db,
            Operation.Update("Bridge", Condition.All, new Dictionary<string, OvsdbDatum> { ["no_such_column"] = 1L })));
        Assert.Equal(0, syntax.OperationIndex);
        Assert.Contains("unknown column", syntax.Message);

        Assert.Equal("br-a", Vsctl("list-br"));
        Assert.True(_client.IsConnected);
    }
}
