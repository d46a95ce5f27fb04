using System.Text.RegularExpressions;
using Dragonflow.Model;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// A router's extra routes (Neutron <c>routes</c>, LogicalRouter.Routes) on two real chassis:
/// 192.168.100.0/24 lives behind a VM that forwards (ip_forward, a veth into a namespace
/// holding 192.168.100.1). With the route, a VM on another subnet of the router reaches the
/// prefix through that next hop; without it, it does not. The next hop's port has the prefix as
/// an allowed address pair, as it must under port security to send the answers back.
/// </summary>
public sealed partial class ExtraRouteTests(ITestOutputHelper output)
{
    private const string Prefix = "192.168.100.0/24", Behind = "192.168.100.1", NextHop = "10.2.0.20";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("l3_proactive")]
    [InlineData("l3_reactive")]
    public async Task A_prefix_behind_a_next_hop_vm_is_reached_through_the_route_and_not_once_it_is_removed(string l3)
    {
        await using var s = await ControllerSandbox.CreateAsync();
        s.Apps = ["l2", "tunneling", l3, "portsec", "aging"];
        try
        {
            var a = await s.AddChassisAsync("geneve");
            var b = await s.AddChassisAsync("geneve");
            var (net1, sub1) = await L3RoutingTests.CreateNetworkAsync(s, 111, "10.1.0.0/24", "10.1.0.1");
            var (net2, sub2) = await L3RoutingTests.CreateNetworkAsync(s, 112, "10.2.0.0/24", "10.2.0.1");
            var router = await s.Api.CreateAsync(new LogicalRouter
            {
                Id = "router-" + Guid.NewGuid().ToString("n")[..8], Topic = "tenant1", Name = "r1",
                UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalRouter>(),
            });
            await L3RoutingTests.AddInterfaceAsync(s, router.Id, net1, sub1, "fa:16:3e:11:00:01");
            await L3RoutingTests.AddInterfaceAsync(s, router.Id, net2, sub2, "fa:16:3e:12:00:01");
            var client = await L3RoutingTests.CreatePortAsync(s, net1, sub1, "fa:16:3e:11:00:0a", "10.1.0.10");
            var hop = await L3RoutingTests.CreatePortAsync(s, net2, sub2, "fa:16:3e:12:00:14", NextHop);
            hop = await s.Api.UpdateAsync<LogicalPort>(hop.Id, p => p.AllowedAddressPairs = [new AddressPair(Prefix)]);
            using var vm = L3RoutingTests.Plug(s, a, client, "10.1.0.1");
            using var hopVm = L3RoutingTests.Plug(s, b, hop, "10.2.0.1");
            using var site = BehindNextHop(b.Ovs, hopVm);
            await s.WaitForStatusAsync(client.Id, "ACTIVE", a.Host);
            await s.WaitForStatusAsync(hop.Id, "ACTIVE", b.Host);
            Assert.True(vm.WaitForPing(NextHop, Deadline), "the next hop itself is routed");
            Assert.False(vm.Ping(Behind, count: 2), "the prefix is reached before there is a route to it");

            await s.Api.UpdateAsync<LogicalRouter>(router.Id, r => r.Routes = [new HostRoute(Prefix, NextHop)]);
            Assert.True(vm.WaitForPing(Behind, Deadline), "the prefix through the route");
            // Two routers on the way back: the next hop VM and ours.
            var reply = vm.PingResult(Behind, count: 1, timeoutSeconds: 2);
            Assert.True(reply.Succeeded, reply.StdOut);
            Assert.Equal("62", Ttl().Match(reply.StdOut).Groups[1].Value);

            await s.Api.UpdateAsync<LogicalRouter>(router.Id, r => r.Routes = []);
            Assert.True(await L3RoutingTests.NeverAnswersAsync(vm, Behind), "the prefix after the route was removed");
            Assert.True(vm.WaitForPing(NextHop, TimeSpan.FromSeconds(10)), "the next hop itself after the route was removed");
        }
        catch
        {
            foreach (var c in s.Chassis) output.WriteLine(c.Host + ":\n" + c.DumpFlows() + "\n" + string.Join("\n", c.Log.Entries.TakeLast(40)));
            throw;
        }
    }

    /// <summary>A namespace behind <paramref name="hopVm"/> on a veth: 192.168.100.1/24 there, .254 on the VM, which forwards.</summary>
    private static NetworkNamespace BehindNextHop(OvsChassis chassis, VmNamespace hopVm)
    {
        var site = NetworkNamespace.Create(chassis.Names.Next('s'));
        try
        {
            hopVm.Namespace.ExecChecked("ip", "link", "add", "site0", "type", "veth", "peer", "name", "up0", "netns", site.Name);
            hopVm.Namespace.ExecChecked("ip", "addr", "add", "192.168.100.254/24", "dev", "site0");
            hopVm.Namespace.ExecChecked("ip", "link", "set", "site0", "up");
            hopVm.Namespace.Sysctl("net.ipv4.ip_forward=1");
            site.ExecChecked("ip", "addr", "add", Behind + "/24", "dev", "up0");
            site.ExecChecked("ip", "link", "set", "up0", "up");
            site.ExecChecked("ip", "route", "add", "default", "via", "192.168.100.254");
            return site;
        }
        catch
        {
            site.Dispose();
            throw;
        }
    }

    [GeneratedRegex(@"ttl=(\d+)")]
    private static partial Regex Ttl();
}
