using System.Diagnostics;
using Dragonflow.Model;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>What a user of the network relies on, each shown on two (or three) real chassis.</summary>
public sealed class NetworkBehaviourTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan PingDeadline = TimeSpan.FromSeconds(10);

    private ControllerSandbox _s = null!;
    private ChassisUnderTest _a = null!;
    private ChassisUnderTest _b = null!;
    private LogicalSwitch _net = null!;

    public async Task InitializeAsync()
    {
        _s = await ControllerSandbox.CreateAsync();
        _a = await _s.AddChassisAsync();
        _b = await _s.AddChassisAsync();
        _net = await _s.CreateNetworkAsync(100);
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _s.Chassis)
            output.WriteLine(c.Host + ":\n" + c.Ovs.TryOfctl("dump-flows", "br-int").StdOut + "\n" + string.Join("\n", c.Log.Entries.TakeLast(30)));
        await _s.DisposeAsync();
    }

    private async Task<(LogicalPort Port, VmNamespace Vm)> VmAsync(ChassisUnderTest chassis, LogicalSwitch net, int n)
    {
        var port = await _s.CreatePortAsync(net, $"fa:16:3e:00:{net.UniqueKey:x2}:{n:x2}", $"10.0.0.{n}");
        var vm = _s.Plug(chassis, port);
        await _s.WaitForStatusAsync(port.Id, "ACTIVE", chassis.Host);
        return (port, vm);
    }

    [Fact]
    public async Task Tcp_works_across_chassis()
    {
        var (_, vm1) = await VmAsync(_a, _net, 1);
        var (_, vm2) = await VmAsync(_b, _net, 2);
        Assert.True(vm1.WaitForPing("10.0.0.2", PingDeadline));

        using var echo = TcpEcho.Start(vm2, 5001);
        var reply = TcpEcho.Connect(vm1, "10.0.0.2", 5001);
        Assert.True(reply.Succeeded, reply.ToString());
        Assert.Equal("HELLO DRAGONFLOW", reply.StdOut.Trim());
    }

    [Fact]
    public async Task Vms_on_different_networks_cannot_reach_each_other()
    {
        var other = await _s.CreateNetworkAsync(200);
        var (_, red1) = await VmAsync(_a, _net, 1);
        var (_, red2) = await VmAsync(_b, _net, 2);
        // The same addresses on the other network: only isolation keeps them apart.
        var (_, blue3) = await VmAsync(_a, other, 3);
        var (_, blue4) = await VmAsync(_b, other, 4);

        Assert.True(red1.WaitForPing("10.0.0.2", PingDeadline), "red across chassis");
        Assert.True(blue3.WaitForPing("10.0.0.4", PingDeadline), "blue across chassis");
        Assert.False(red1.Ping("10.0.0.3", count: 2), "red reached blue on the same chassis");
        Assert.False(red1.Ping("10.0.0.4", count: 2), "red reached blue across chassis");
        Assert.False(blue4.Ping("10.0.0.2", count: 2), "blue reached red across chassis");
    }

    [Fact]
    public async Task Arp_for_a_known_ip_is_answered_by_the_switch()
    {
        var (_, vm1) = await VmAsync(_a, _net, 1);
        // A port that exists in NB but is plugged nowhere: only the ARP responder can answer for it.
        var ghost = await _s.CreatePortAsync(_net, "fa:16:3e:00:99:09", "10.0.0.9");
        await Poll.UntilAsync(() => _a.DumpFlows().Contains("arp_tpa=10.0.0.9"), TimeSpan.FromSeconds(10), "ARP responder flow");

        vm1.Exec("ping", "-c", "1", "-W", "1", "10.0.0.9"); // no reply expected: nothing holds that IP
        var neigh = vm1.Exec("ip", "neigh", "show", "10.0.0.9").StdOut;
        Assert.Contains("fa:16:3e:00:99:09", neigh);
    }

    [Fact]
    public async Task Unplugging_a_vm_removes_its_flows_on_every_chassis_and_marks_it_down()
    {
        var (p1, vm1) = await VmAsync(_a, _net, 1);
        var (_, vm2) = await VmAsync(_b, _net, 2);
        Assert.True(vm2.WaitForPing("10.0.0.1", PingDeadline));
        var mac = p1.Macs[0];
        await Poll.UntilAsync(() => _b.DumpFlows().Contains(mac), TimeSpan.FromSeconds(10), "remote port flows on B");

        _a.Ovs.Vsctl("del-port", "br-int", vm1.PortName);

        var down = await _s.WaitForStatusAsync(p1.Id, "DOWN", null);
        Assert.Null(down.Chassis);
        // Flows that steer to the port (by MAC or key) are gone; the ARP responder for its IP stays (the port still exists).
        await Poll.UntilAsync(() => !HasSteeringFlows(_a.DumpFlows(), mac), TimeSpan.FromSeconds(10), "port flows gone on A");
        await Poll.UntilAsync(() => !HasSteeringFlows(_b.DumpFlows(), mac), TimeSpan.FromSeconds(10), "port flows gone on B");
        Assert.False(vm2.Ping("10.0.0.1", count: 1));
    }

    private static bool HasSteeringFlows(string dump, string mac) =>
        dump.Split('\n').Any(l => l.Contains("dl_dst=" + mac, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task Deleting_a_network_removes_everything_it_had()
    {
        var (p1, vm1) = await VmAsync(_a, _net, 1);
        var (p2, _) = await VmAsync(_b, _net, 2);
        Assert.True(vm1.WaitForPing("10.0.0.2", PingDeadline));
        var metadata = $"metadata=0x{_net.UniqueKey:x}";
        Assert.Contains(metadata, _a.DumpFlows());

        await _s.Api.DeleteAsync<LogicalPort>(p1.Id);
        await _s.Api.DeleteAsync<LogicalPort>(p2.Id);
        await _s.Api.DeleteAsync<LogicalSubnet>("sub-" + _net.Id);
        await _s.Api.DeleteAsync<LogicalSwitch>(_net.Id);

        foreach (var c in new[] { _a, _b })
        {
            await Poll.UntilAsync(() => !c.DumpFlows().Contains(metadata) && !c.DumpFlows().Contains("tun_id=0x64"),
                TimeSpan.FromSeconds(10), $"network flows gone on {c.Host}");
        }
    }

    [Fact]
    public async Task A_third_chassis_joining_later_gets_tunnels_without_restart()
    {
        var (_, vm1) = await VmAsync(_a, _net, 1);
        var (_, vm2) = await VmAsync(_b, _net, 2);
        Assert.True(vm1.WaitForPing("10.0.0.2", PingDeadline));

        var c = await _s.AddChassisAsync();
        var (_, vm3) = await VmAsync(c, _net, 3);
        Assert.True(vm3.WaitForPing("10.0.0.1", PingDeadline), "new chassis to A");
        Assert.True(vm2.WaitForPing("10.0.0.3", PingDeadline), "B to new chassis");
    }

    [Fact]
    public async Task After_restarting_ovs_vswitchd_the_vms_ping_again_within_seconds()
    {
        var (_, vm1) = await VmAsync(_a, _net, 1);
        var (_, vm2) = await VmAsync(_b, _net, 2);
        Assert.True(vm1.WaitForPing("10.0.0.2", PingDeadline));

        _a.Ovs.RestartVswitchd();
        _s.Ovs.RefreshTunnelNeighbours(_a.Ovs); // the sandbox's static underlay neighbours live in vswitchd
        // The clock runs from the new vswitchd on (the restart itself, with its SIGTERM grace, is not
        // the controller's doing): the controller reconnects and reprograms it within seconds, with
        // room for a busy machine.
        var clock = Stopwatch.StartNew();
        Assert.True(vm1.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(30)), "no ping within 30 s of the restart\n" + _a.DumpFlows());
        output.WriteLine($"ping back {clock.ElapsedMilliseconds} ms after ovs-vswitchd was restarted");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"ping back only {clock.Elapsed.TotalSeconds:F1} s after the restart");
        Assert.True(vm2.WaitForPing("10.0.0.1", TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_malformed_nb_object_is_logged_and_skipped_and_the_controller_keeps_serving()
    {
        var (_, vm1) = await VmAsync(_a, _net, 1);
        await _s.Api.Driver.CreateAsync("lport", "broken", "{\"id\": \"broken\", \"macs\": 42", "tenant1", default);
        _s.Api.Publisher.Publish(new DbUpdate { Table = "lport", Key = "broken", Action = DbUpdateAction.Create, Value = "{\"id\": \"broken\", \"macs\": 42", Topic = "tenant1", Version = 1 });
        // A port whose MAC is not a MAC: parsed fine, but unusable.
        var odd = await _s.CreatePortAsync(_net, "not-a-mac", "10.0.0.7");

        await Poll.UntilAsync(() => _a.Log.Contains(LogLevel.Warning, "lport/broken"), TimeSpan.FromSeconds(10), "the malformed object logged");
        await Poll.UntilAsync(() => _a.Log.Contains(LogLevel.Warning, odd.Id), TimeSpan.FromSeconds(10), "the bad MAC logged");

        var (_, vm2) = await VmAsync(_b, _net, 2);
        Assert.True(vm1.WaitForPing("10.0.0.2", PingDeadline), "still serving");
    }
}
