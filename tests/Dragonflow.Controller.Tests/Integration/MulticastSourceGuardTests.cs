using Dragonflow.Cli.Inspection.Trace;
using Dragonflow.Controller.Apps.L2;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Routing;
using Dragonflow.Controller.Tests.Flows;
using Dragonflow.Controller.Tests.Unit.Example;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// The example app of docs/writing-an-app.md on a real ovs-vswitchd: l2 and the example app
/// compute their flows through the change router, a flow installer puts them on a bridge, and
/// ofproto/trace tells where a frame goes — dropped in table 1 by the example app's flow when
/// its source MAC is multicast, out of the other port's interface when it is unicast.
/// </summary>
public sealed class MulticastSourceGuardTests(ChassisFixture fixture) : IClassFixture<ChassisFixture>
{
    private const string MacA = "fa:16:3e:00:00:0a", MacB = "fa:16:3e:00:00:0b";

    [Fact]
    public async Task A_frame_from_a_multicast_source_is_dropped_in_table_1_a_unicast_one_reaches_the_other_port()
    {
        var ovs = fixture.Chassis;
        await using var bridge = await ControlledBridge.CreateAsync(ovs);
        string tapA = ovs.Names.Next('p'), tapB = ovs.Names.Next('p');
        ovs.Vsctl("add-port", bridge.Name, tapA, "--", "set", "Interface", tapA, "type=internal", "ofport_request=7");
        ovs.Vsctl("add-port", bridge.Name, tapB, "--", "set", "Interface", tapB, "type=internal", "ofport_request=8");
        Assert.Equal(7, ovs.WaitForOfport(tapA));
        Assert.Equal(8, ovs.WaitForOfport(tapB));

        var nb = new NbCache();
        var ports = new BridgePorts();
        await using var installer = new FlowInstaller();
        var context = new ChassisContext("here", [], nb, ports, installer, new RecordingLogger());
        ControllerApp[] apps = [new L2App(context), new MulticastSourceGuardApp(context)];
        foreach (var app in apps)
        {
            installer.Register(app.Contract);
            app.Start();
        }
        nb.Put(new LogicalSwitch { Id = "net1", UniqueKey = 5, SegmentationId = 100, Version = 1 });
        foreach (var (id, key, mac) in new[] { ("pa", 1, MacA), ("pb", 2, MacB) })
            nb.Put(new LogicalPort { Id = id, Lswitch = "net1", UniqueKey = key, Macs = [mac], PortSecurityEnabled = false, Chassis = "here", Version = 1 });
        ports.SetInterface(tapA, "pa", 7);
        ports.SetInterface(tapB, "pb", 8);
        new ChangeRouter(nb, apps).RecomputeAll();
        await installer.AttachAsync(bridge.Connection);
        Assert.Equal(0, context.RefusedFlows);

        var dropped = Trace(ovs, bridge, $"in_port=7,dl_src=01:00:5e:00:00:01,dl_dst={MacB},dl_type=0x88cc");
        var last = dropped.Flows[^1];
        Assert.Equal((Tables.EgressPortSecurity, (ushort?)MulticastSourceGuardApp.Bands.MulticastSource.Priority), (last.Table, last.Priority));
        Assert.Equal(MulticastSourceGuardApp.AppId.Value, FlowCookie.App(last.Cookie!.Value));
        Assert.Equal("drop", dropped.DatapathActions[^1]);

        var delivered = Trace(ovs, bridge, $"in_port=7,dl_src={MacA},dl_dst={MacB},dl_type=0x88cc");
        Assert.Contains(delivered.Flows, f => f.Table == 1 && f.Priority == 1);
        Assert.Contains(delivered.Flows, f => f.Table == 78 && f.Actions.Any(a => a.Contains("output:8", StringComparison.Ordinal)));
        Assert.NotEqual("drop", delivered.DatapathActions[^1]);
    }

    private static OfprotoTrace Trace(Dragonflow.Testing.Sandbox.OvsChassis ovs, ControlledBridge bridge, string flow) =>
        OfprotoTrace.Parse(ovs.Appctl("ofproto/trace", bridge.Name, flow));
}
