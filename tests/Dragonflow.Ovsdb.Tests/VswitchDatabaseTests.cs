using Dragonflow.Ovsdb.Data;
using Dragonflow.Ovsdb.Vswitch;
using Dragonflow.Testing;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Ovsdb.Tests;

/// <summary>One chassis (ovsdb-server + ovs-vswitchd) shared by the tests of this class.</summary>
public sealed class ChassisFixture : IAsyncLifetime
{
    public OvsChassis Chassis { get; private set; } = null!;
    public OvsdbClient Client { get; private set; } = null!;
    public OpenVSwitchDatabase Db { get; private set; } = null!;
    public RecordingLogger Log { get; } = new();

    public async Task InitializeAsync()
    {
        Chassis = OvsChassis.Start();
        Client = await OvsdbClient.ConnectAsync(Chassis.DbRemote, logger: Log).WaitAsync(TimeSpan.FromSeconds(10));
        Db = new OpenVSwitchDatabase(Client);
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        Chassis.Dispose();
    }
}

public sealed class VswitchDatabaseTests(ChassisFixture fixture) : IClassFixture<ChassisFixture>
{
    private OvsChassis Chassis => fixture.Chassis;
    private OpenVSwitchDatabase Db => fixture.Db;

    /// <summary>The row's _version, which changes with every write to the row.</summary>
    private async Task<Guid> VersionOf(string table, string name)
    {
        var r = await fixture.Client.TransactAsync(OpenVSwitchDatabase.Database,
            Operation.Select(table, new[] { Condition.Equal("name", name) }, new[] { "_version" }));
        return r[0].Rows.Single()["_version"].AsUuid()!.Value;
    }

    [Fact]
    public async Task EnsureBridgeCreatesTheBridgeAsSpecifiedAndIsIdempotent()
    {
        var target = $"unix:{Chassis.RunDirectory}/br-e.ctl";
        var spec = new BridgeSpec("br-e")
        {
            DatapathType = "netdev",
            FailMode = "secure",
            Protocols = new[] { "OpenFlow13" },
            Controllers = new[] { new ControllerSpec(target) },
            OtherConfig = new Dictionary<string, string>
            {
                ["disable-in-band"] = "true", ["datapath-id"] = "00000000000000e1", ["hwaddr"] = "02:00:00:00:00:e1",
            },
            ExternalIds = new Dictionary<string, string> { ["owner"] = "dragonflow" },
        };
        var uuid = await Db.EnsureBridgeAsync(spec);

        Assert.Equal("netdev", Chassis.Vsctl("get", "Bridge", "br-e", "datapath_type"));
        Assert.Equal("secure", Chassis.Vsctl("get", "Bridge", "br-e", "fail_mode"));
        Assert.Equal("[OpenFlow13]", Chassis.Vsctl("get", "Bridge", "br-e", "protocols"));
        Assert.Equal(target, Chassis.Vsctl("get-controller", "br-e"));
        Assert.Equal("out-of-band", Chassis.Vsctl("get", "Controller", "br-e", "connection_mode"));
        Assert.Equal("\"true\"", Chassis.Vsctl("get", "Bridge", "br-e", "other_config:disable-in-band"));
        Assert.Equal("dragonflow", Chassis.Vsctl("br-get-external-id", "br-e", "owner"));
        // vswitchd took it: the datapath id and MAC we asked for are live.
        Assert.Contains("dpid:00000000000000e1", Chassis.Ofctl("show", "br-e"));

        // Again, unchanged: same row, same controller row, no write at all.
        var controller = Chassis.Vsctl("get", "Bridge", "br-e", "controller");
        var version = await VersionOf("Bridge", "br-e");
        Assert.Equal(uuid, await Db.EnsureBridgeAsync(spec));
        Assert.Equal(version, await VersionOf("Bridge", "br-e"));
        Assert.Equal(controller, Chassis.Vsctl("get", "Bridge", "br-e", "controller"));
        Assert.Equal("br-e", Chassis.Vsctl("--bare", "--columns=name", "find", "Bridge", "name=br-e"));

        // A changed spec changes only what differs, keeping unrelated keys.
        Chassis.Vsctl("br-set-external-id", "br-e", "other", "kept");
        await Db.EnsureBridgeAsync(spec with { FailMode = "standalone", ExternalIds = new Dictionary<string, string> { ["owner"] = "df2" } });
        Assert.Equal("standalone", Chassis.Vsctl("get", "Bridge", "br-e", "fail_mode"));
        Assert.Equal("df2", Chassis.Vsctl("br-get-external-id", "br-e", "owner"));
        Assert.Equal("kept", Chassis.Vsctl("br-get-external-id", "br-e", "other"));
        Assert.Equal(controller, Chassis.Vsctl("get", "Bridge", "br-e", "controller"));

        // A different controller target replaces the old one (whose row goes away).
        var target2 = $"unix:{Chassis.RunDirectory}/br-e2.ctl";
        await Db.EnsureBridgeAsync(spec with { Controllers = new[] { new ControllerSpec(target2) } });
        Assert.Equal(target2, Chassis.Vsctl("get-controller", "br-e"));
        Assert.Equal(target2, Chassis.Vsctl("--bare", "--columns=target", "list", "Controller")); // the old row is gone
        await Db.EnsureBridgeAsync(spec);
        Assert.Equal(target, Chassis.Vsctl("get-controller", "br-e"));

        var read = await Db.GetBridgeAsync("br-e");
        Assert.Equal(new[] { target }, read!.ControllerTargets);
        Assert.Equal("00000000000000e1", read.OtherConfig["datapath-id"]);

        Assert.True(await Db.DeleteBridgeAsync("br-e"));
        Assert.DoesNotContain("br-e", Chassis.Vsctl("list-br"));
        Assert.False(await Db.DeleteBridgeAsync("br-e"));
    }

    [Fact]
    public async Task EnsurePortCreatesTunnelPatchAndInternalPortsIdempotently()
    {
        await Db.EnsureBridgeAsync(new BridgeSpec("br-p") { DatapathType = "netdev", FailMode = "secure" });
        await Db.EnsureBridgeAsync(new BridgeSpec("br-q") { DatapathType = "netdev", FailMode = "standalone" });

        var geneve = PortSpec.Tunnel("br-p", "tun-geneve", "geneve", localIp: "172.31.255.1", ofportRequest: 100);
        var vxlan = PortSpec.Tunnel("br-p", "tun-vxlan", "vxlan", remoteIp: "172.31.255.2");
        var patchP = PortSpec.Patch("br-p", "patch-q", peer: "patch-p");
        var patchQ = PortSpec.Patch("br-q", "patch-p", peer: "patch-q");
        var internalPort = PortSpec.Internal("br-p", "int0") with { ExternalIds = new Dictionary<string, string> { ["iface-id"] = "lport-1" } };
        var specs = new[] { geneve, vxlan, patchP, patchQ, internalPort };
        var uuids = new List<Guid>();
        foreach (var s in specs) uuids.Add(await Db.EnsurePortAsync(s));

        Assert.Equal("geneve", Chassis.Vsctl("get", "Interface", "tun-geneve", "type"));
        Assert.Equal("{key=flow, local_ip=\"172.31.255.1\", remote_ip=flow}", Chassis.Vsctl("get", "Interface", "tun-geneve", "options"));
        Assert.Equal("100", Chassis.Vsctl("get", "Interface", "tun-geneve", "ofport_request"));
        Assert.Equal("\"172.31.255.2\"", Chassis.Vsctl("get", "Interface", "tun-vxlan", "options:remote_ip"));
        Assert.Equal("patch-p", Chassis.Vsctl("get", "Interface", "patch-q", "options:peer"));
        Assert.Equal("lport-1", Chassis.Vsctl("get", "Interface", "int0", "external_ids:iface-id"));
        Assert.Equal(new[] { "int0", "patch-q", "tun-geneve", "tun-vxlan" }, Chassis.Vsctl("list-ports", "br-p").Split('\n'));
        Assert.Equal("patch-p", Chassis.Vsctl("list-ports", "br-q"));
        // vswitchd accepted them all: each got an OpenFlow port (the geneve one the number we asked for).
        Assert.Equal(100, Chassis.WaitForOfport("tun-geneve"));
        foreach (var name in new[] { "tun-vxlan", "patch-q", "patch-p", "int0" }) Chassis.WaitForOfport(name);

        // Ensuring again is a no-op; a restarted controller duplicates nothing.
        var portsBefore = Chassis.Vsctl("--bare", "--columns=_uuid", "list", "Port");
        for (var i = 0; i < specs.Length; i++) Assert.Equal(uuids[i], await Db.EnsurePortAsync(specs[i]));
        Assert.Equal(portsBefore, Chassis.Vsctl("--bare", "--columns=_uuid", "list", "Port"));

        // Changed options are applied in place.
        await Db.EnsurePortAsync(PortSpec.Tunnel("br-p", "tun-vxlan", "vxlan", remoteIp: "flow"));
        Assert.Equal("flow", Chassis.Vsctl("get", "Interface", "tun-vxlan", "options:remote_ip"));

        await Db.SetInterfaceExternalIdsAsync("int0", new Dictionary<string, string> { ["iface-id"] = "lport-2", ["attached-mac"] = "fa:16:3e:00:00:02" });
        var int0 = (await Db.GetInterfacesAsync()).Single(i => i.Name == "int0");
        Assert.Equal("lport-2", int0.IfaceId);
        Assert.Equal("fa:16:3e:00:00:02", int0.AttachedMac);
        Assert.True(int0.HasOfport);

        // Ensuring a port on another bridge moves the same row there.
        Assert.Equal(uuids[4], await Db.EnsurePortAsync(internalPort with { Bridge = "br-q" }));
        Assert.Equal(new[] { "int0", "patch-p" }, Chassis.Vsctl("list-ports", "br-q").Split('\n'));
        Assert.DoesNotContain("int0", Chassis.Vsctl("list-ports", "br-p"));
        // A bridge's interfaces are its own: ofports are numbered per bridge.
        Assert.Equal(new[] { "br-q", "int0", "patch-p" }, (await Db.GetInterfacesAsync("br-q")).Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "br-p", "patch-q", "tun-geneve", "tun-vxlan" }, (await Db.GetInterfacesAsync("br-p")).Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.Empty(await Db.GetInterfacesAsync("br-none"));

        Assert.True(await Db.DeletePortAsync("tun-vxlan"));
        Assert.False(await Db.DeletePortAsync("tun-vxlan"));
        Assert.DoesNotContain("tun-vxlan", Chassis.Vsctl("list-ports", "br-p"));
        Assert.Equal("", Chassis.Vsctl("--bare", "--columns=name", "find", "Interface", "name=tun-vxlan"));

        await Db.DeleteBridgeAsync("br-p");
        await Db.DeleteBridgeAsync("br-q");
    }

    [Fact]
    public async Task InterfaceEventsReportIfaceIdOfportAndRemoval()
    {
        Chassis.AddBridge("br-w");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var events = Db.WatchInterfacesAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        async Task<InterfaceEvent> Next(Func<InterfaceEvent, bool> match)
        {
            while (true)
            {
                Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15)), "event stream ended");
                if (match(events.Current)) return events.Current;
            }
        }

        var initial = await Next(e => e.Interface.Name == "br-w");
        Assert.Equal(InterfaceEventSource.Initial, initial.Source);

        Chassis.Vsctl("add-port", "br-w", "vif1", "--", "set", "Interface", "vif1", "type=internal",
            "external_ids:iface-id=lport-x", "external_ids:attached-mac=\"fa:16:3e:00:00:0a\"");
        var added = await Next(e => e.Interface.Name == "vif1");
        Assert.Equal(InterfaceEventKind.Added, added.Kind);
        Assert.Equal(InterfaceEventSource.Live, added.Source);
        Assert.Equal("lport-x", added.Interface.IfaceId);
        Assert.Equal("fa:16:3e:00:00:0a", added.Interface.AttachedMac);

        // vswitchd assigns the OpenFlow port number (possibly in the same transaction).
        var withOfport = added.Interface.HasOfport ? added : await Next(e => e.Interface.Name == "vif1" && e.Interface.HasOfport);
        Assert.Equal(int.Parse(Chassis.Vsctl("get", "Interface", "vif1", "ofport")), withOfport.Interface.Ofport);

        Chassis.Vsctl("del-port", "br-w", "vif1");
        var removed = await Next(e => e.Interface.Name == "vif1" && e.Kind == InterfaceEventKind.Removed);
        Assert.Equal("lport-x", removed.Interface.IfaceId);

        // Restart ovsdb-server under the watcher: the stream goes on, and a port added while
        // the watcher was reconnecting is reported (by the resync or live).
        var sessions = fixture.Client.SessionCount;
        Chassis.RestartOvsdbServer();
        Chassis.Vsctl("add-port", "br-w", "vif2", "--", "set", "Interface", "vif2", "type=internal", "external_ids:iface-id=lport-y");
        var afterRestart = await Next(e => e.Interface.Name == "vif2" && e.Kind == InterfaceEventKind.Added);
        Assert.Equal("lport-y", afterRestart.Interface.IfaceId);
        Assert.True(fixture.Client.SessionCount > sessions);
        await Next(e => e.Interface.Name == "vif2" && e.Interface.HasOfport);

        Chassis.Vsctl("del-br", "br-w");
    }
}
