using Dragonflow.Controller.Hosting;
using Dragonflow.Controller.Tests.Flows;
using Dragonflow.Controller.Topology;
using Dragonflow.NorthDb;
using Dragonflow.Ovsdb;
using Dragonflow.Ovsdb.Vswitch;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Controller.Tests.Hosting;

/// <summary>
/// What apps declare they need on the chassis, made on a real Open vSwitch: a bridge patched to
/// br-int and an internal port on br-int; their br-int ofports are found by name in
/// <see cref="BridgePorts"/>, and making them twice changes nothing.
/// </summary>
public class ChassisPlumbingTests(ChassisFixture fixture) : IClassFixture<ChassisFixture>
{
    [Fact]
    public async Task Patched_bridges_and_internal_ports_are_made_and_their_ofports_recorded()
    {
        var names = fixture.Chassis.Names;
        var integration = names.Next('i');
        var external = PatchedBridge.Named(names.Next('x'));
        var service = new InternalPort(names.Next('s'));
        var options = new ControllerOptions
        {
            Host = "plumbing", LocalIp = "127.0.0.1", OvsdbConnection = fixture.Chassis.DbRemote, IntegrationBridge = integration,
            DatapathType = "netdev", TunnelTypes = [], Nb = new NbOptions(),
        };
        await using var client = await OvsdbClient.ConnectAsync(fixture.Chassis.DbRemote).WaitAsync(TimeSpan.FromSeconds(10));
        var vswitch = new OpenVSwitchDatabase(client);
        var bridge = new BridgePorts();
        var plumbing = new ChassisPlumbing(options, bridge, [external, service]);
        try
        {
            await plumbing.EnsureAsync(vswitch, "tcp:127.0.0.1:1", CancellationToken.None);
            await plumbing.EnsureAsync(vswitch, "tcp:127.0.0.1:1", CancellationToken.None); // idempotent

            var changes = new List<InterfaceChange>();
            await Poll.UntilAsync(async () =>
            {
                foreach (var iface in await vswitch.GetInterfacesAsync())
                    changes.Add(plumbing.Apply(new InterfaceEvent(InterfaceEventKind.Added, iface, null, InterfaceEventSource.Initial), out _));
                return bridge.NeededPort(external.IntegrationPatch) is not null && bridge.NeededPort(service.Name) is not null;
            }, TimeSpan.FromSeconds(10), "ofports of the patch and the internal port");

            Assert.Contains(InterfaceChange.NeededPorts, changes);
            Assert.NotEqual(bridge.NeededPort(external.IntegrationPatch), bridge.NeededPort(service.Name));
            Assert.Equal(service.Name, bridge.NeededPortAt(bridge.NeededPort(service.Name)!.Value));
            var ports = fixture.Chassis.Vsctl("list-ports", integration).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(new[] { external.IntegrationPatch, service.Name }.Order(StringComparer.Ordinal), ports.Order(StringComparer.Ordinal));
            Assert.Equal([external.BridgePatch], fixture.Chassis.Vsctl("list-ports", external.Bridge).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal("internal", fixture.Chassis.Vsctl("get", "Interface", service.Name, "type").Trim());
        }
        finally
        {
            fixture.Chassis.TryVsctl("--if-exists", "del-br", integration);
            fixture.Chassis.TryVsctl("--if-exists", "del-br", external.Bridge);
        }
    }
}
