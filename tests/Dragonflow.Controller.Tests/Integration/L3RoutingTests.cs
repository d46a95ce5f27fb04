using System.Text.RegularExpressions;
using Dragonflow.Model;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// Two subnets joined by a router, VMs on two chassis: routed pings across chassis, pings to
/// the router interfaces, TTL decremented by the hop, and no routing once an interface is gone.
/// NB objects are written as the API server writes them (RouterEndpoints.AddInterfaceAsync).
/// </summary>
public sealed partial class L3RoutingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PingDeadline = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("l3_proactive")]
    [InlineData("l3_reactive")]
    public async Task Vms_on_two_subnets_of_a_router_ping_each_other_and_the_router_across_chassis(string l3)
    {
        await using var s = await ControllerSandbox.CreateAsync();
        s.Apps = ["l2", "tunneling", l3, "aging"];
        try
        {
            var a = await s.AddChassisAsync("geneve");
            var b = await s.AddChassisAsync("geneve");
            var (net1, sub1) = await CreateNetworkAsync(s, 101, "10.1.0.0/24", "10.1.0.1");
            var (net2, sub2) = await CreateNetworkAsync(s, 102, "10.2.0.0/24", "10.2.0.1");
            var router = await s.Api.CreateAsync(new LogicalRouter
            {
                Id = "router-" + Guid.NewGuid().ToString("n")[..8], Topic = "tenant1", Name = "r1",
                UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalRouter>(),
            });
            var if1 = await AddInterfaceAsync(s, router.Id, net1, sub1, "fa:16:3e:10:00:01");
            await AddInterfaceAsync(s, router.Id, net2, sub2, "fa:16:3e:20:00:01");

            var p1 = await CreatePortAsync(s, net1, sub1, "fa:16:3e:10:00:0a", "10.1.0.10");
            var p2 = await CreatePortAsync(s, net2, sub2, "fa:16:3e:20:00:0a", "10.2.0.10");
            var p3 = await CreatePortAsync(s, net2, sub2, "fa:16:3e:20:00:0b", "10.2.0.11");
            using var vm1 = Plug(s, a, p1, "10.1.0.1");
            using var vm2 = Plug(s, b, p2, "10.2.0.1");
            using var vm3 = Plug(s, a, p3, "10.2.0.1");
            await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
            await s.WaitForStatusAsync(p2.Id, "ACTIVE", b.Host);
            await s.WaitForStatusAsync(p3.Id, "ACTIVE", a.Host);

            // The very first routed packet (both VMs here, so their flows are in once they are ACTIVE)
            // is answered: l3_reactive re-injects each direction's first packet once its hop is installed.
            var first = vm1.PingResult("10.2.0.11", count: 1, timeoutSeconds: 3);
            Assert.True(first.Succeeded, "first routed packet\n" + first);
            Assert.True(vm1.WaitForPing("10.1.0.1", PingDeadline), "own router interface");
            Assert.True(vm1.WaitForPing("10.2.0.1", PingDeadline), "the router's other interface");
            Assert.True(vm1.WaitForPing("10.2.0.10", PingDeadline), "routed across chassis");
            Assert.True(vm2.WaitForPing("10.1.0.10", PingDeadline), "routed back across chassis");
            Assert.True(vm1.WaitForPing("10.2.0.11", PingDeadline), "routed on the same chassis");

            // One hop each way: the reply left vm2 with TTL 64 and the router took one off.
            var reply = vm1.PingResult("10.2.0.10", count: 1, timeoutSeconds: 2);
            Assert.True(reply.Succeeded, reply.StdOut);
            Assert.Equal("63", Ttl().Match(reply.StdOut).Groups[1].Value);
            var own = vm1.PingResult("10.1.0.1", count: 1, timeoutSeconds: 2);
            Assert.True(own.Succeeded, own.StdOut);
            Assert.Equal("64", Ttl().Match(own.StdOut).Groups[1].Value);

            // remove_router_interface: the router loses the port, the lport is deleted.
            await s.Api.UpdateAsync<LogicalRouter>(router.Id, r => r.Ports.RemoveAll(p => p.Id == if1.Id));
            await s.Api.DeleteAsync<LogicalPort>(if1.Id);
            Assert.True(await NeverAnswersAsync(vm1, "10.2.0.10"), "routed after the interface was removed");
            Assert.True(await NeverAnswersAsync(vm2, "10.1.0.10"), "routed back after the interface was removed");
            Assert.True(await NeverAnswersAsync(vm1, "10.1.0.1"), "the removed interface still answers");
            Assert.True(vm3.WaitForPing("10.2.0.1", TimeSpan.FromSeconds(10)), "the remaining interface answers");
        }
        catch
        {
            foreach (var c in s.Chassis) output.WriteLine(c.Host + ":\n" + c.DumpFlows() + "\n" + string.Join("\n", c.Log.Entries.TakeLast(40)));
            throw;
        }
    }

    [GeneratedRegex(@"ttl=(\d+)")]
    private static partial Regex Ttl();

    /// <summary>Pings stop within a deadline (flows are removed asynchronously) and stay stopped.</summary>
    internal static Task<bool> NeverAnswersAsync(VmNamespace vm, string ip) =>
        StopsAnswering.WithinAsync(() => vm.Ping(ip), TimeSpan.FromSeconds(20));

    internal static async Task<(LogicalSwitch, LogicalSubnet)> CreateNetworkAsync(ControllerSandbox s, int segment, string cidr, string gateway)
    {
        var id = "net-" + Guid.NewGuid().ToString("n")[..8];
        var subnet = new LogicalSubnet { Id = "sub-" + id, Topic = "tenant1", Lswitch = id, Cidr = cidr, GatewayIp = gateway };
        var net = await s.Api.CreateAsync(new LogicalSwitch
        {
            Id = id, Topic = "tenant1", NetworkType = "geneve", SegmentationId = segment, Subnets = [subnet.Id],
            UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalSwitch>(),
        });
        return (net, await s.Api.CreateAsync(subnet));
    }

    internal static async Task<LogicalPort> CreatePortAsync(ControllerSandbox s, LogicalSwitch net, LogicalSubnet subnet, string mac, string ip) =>
        await s.Api.CreateAsync(new LogicalPort
        {
            Id = "port-" + Guid.NewGuid().ToString("n")[..8], Topic = net.Topic, Lswitch = net.Id, Macs = [mac],
            Ips = [new FixedIp(subnet.Id, ip)], UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalPort>(),
        });

    /// <summary>add_router_interface by subnet: an lport with the gateway address, then the router port.</summary>
    internal static async Task<LogicalPort> AddInterfaceAsync(ControllerSandbox s, string routerId, LogicalSwitch net, LogicalSubnet subnet, string mac)
    {
        var port = await s.Api.CreateAsync(new LogicalPort
        {
            Id = Guid.NewGuid().ToString(), Topic = net.Topic, Lswitch = net.Id, DeviceOwner = "network:router_interface",
            DeviceId = routerId, PortSecurityEnabled = false, Name = "", Macs = [mac],
            Ips = [new FixedIp(subnet.Id, subnet.GatewayIp!)], UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalPort>(),
        });
        var prefix = subnet.Cidr.Split('/')[1];
        await s.Api.UpdateAsync<LogicalRouter>(routerId, r => r.Ports.Add(new LogicalRouterPort
        {
            Id = port.Id, Topic = net.Topic, Mac = mac, Network = $"{subnet.GatewayIp}/{prefix}",
            Lswitch = net.Id, SubnetId = subnet.Id, UniqueKey = port.UniqueKey,
        }));
        return port;
    }

    internal static VmNamespace Plug(ControllerSandbox s, ChassisUnderTest chassis, LogicalPort port, string gateway) =>
        s.Ovs.AddVm(chassis.Ovs, new VmOptions { Mac = port.Macs[0], IpCidr = port.Ips[0].IpAddress + "/24", IfaceId = port.Id, Gateway = gateway });
}
