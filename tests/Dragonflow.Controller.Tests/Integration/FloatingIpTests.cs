using Dragonflow.Controller.Hosting;
using Dragonflow.Model;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// Floating IPs end to end: two chassis with real tunnels, VMs as namespaces, each chassis'
/// br-ex (created by the controller) with an operator-made uplink into one external segment
/// whose namespace holds the external gateway address. NB objects are written as the API
/// server writes them (FloatingIpEndpoints, RouterEndpoints).
/// </summary>
public sealed class FloatingIpTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private const string ExternalGateway = RoutedTenant.ExternalGateway;
    private const int VmPort = 8080;
    private const int ExternalPort = 9000;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_host_on_the_external_network_reaches_a_vm_by_its_floating_ip_and_sees_it_as_source_until_disassociated(bool flatProviderNetwork)
    {
        await using var s = await ControllerSandbox.CreateAsync();
        using var ext = ExternalSegment.Create(s.Ovs.Names, ExternalGateway + "/24");
        try
        {
            var cloud = await Cloud.CreateAsync(s, ext, flatProviderNetwork);
            var (p1, vm1) = await cloud.VmAsync(cloud.A, "fa:16:3e:10:00:0a", "10.1.0.10");
            using var vmServer = TcpProbe.Start(vm1.Namespace, VmPort, "vm1");
            using var extServer = TcpProbe.Start(ext.Namespace, ExternalPort, TcpProbe.Peer);

            var fip = await cloud.CreateFloatingIpAsync("172.24.4.10", "fa:16:3e:aa:00:10", p1);
            Assert.True(ext.WaitForPing("172.24.4.10", Deadline), "ping to the floating IP");
            Assert.Equal("vm1", await TcpProbe.ConnectWithinAsync(ext.Namespace, "172.24.4.10", VmPort, Deadline));
            Assert.Equal("172.24.4.10", await TcpProbe.ConnectWithinAsync(vm1.Namespace, ExternalGateway, ExternalPort, Deadline));
            Assert.True(vm1.WaitForPing(ExternalGateway, TimeSpan.FromSeconds(10)), "the VM pings the external gateway");
            // ARP for the floating IP was answered with its MAC; the gateway's MAC was learned by ARP.
            Assert.Contains("fa:16:3e:aa:00:10", ext.Namespace.ExecChecked("ip", "neigh", "show", "172.24.4.10").StdOut, StringComparison.Ordinal);
            Assert.Contains($"set_field:{ext.GatewayMac}->eth_dst", cloud.A.Ovs.Ofctl("dump-flows", "br-int", "table=30"), StringComparison.Ordinal);

            await cloud.AssociateAsync(fip.Id, null);
            Assert.True(await NeverAnswersAsync(() => ext.Ping("172.24.4.10")), "the floating IP still answers after disassociation");
            Assert.Null(TcpProbe.Connect(ext.Namespace, "172.24.4.10", VmPort));
            Assert.Null(TcpProbe.Connect(vm1.Namespace, ExternalGateway, ExternalPort));
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    [Fact]
    public async Task Each_chassis_nats_its_own_vms_and_a_moved_floating_ip_reaches_the_other_vm_at_once()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        using var ext = ExternalSegment.Create(s.Ovs.Names, ExternalGateway + "/24");
        try
        {
            var cloud = await Cloud.CreateAsync(s, ext, flat: true);
            var (p1, vm1) = await cloud.VmAsync(cloud.A, "fa:16:3e:10:00:0a", "10.1.0.10");
            var (p2, vm2) = await cloud.VmAsync(cloud.B, "fa:16:3e:10:00:0b", "10.1.0.11");
            using var server1 = TcpProbe.Start(vm1.Namespace, VmPort, "vm1");
            using var server2 = TcpProbe.Start(vm2.Namespace, VmPort, "vm2");
            using var extServer = TcpProbe.Start(ext.Namespace, ExternalPort, TcpProbe.Peer);

            // A VM on the second chassis: NATed there, through that chassis' own br-ex.
            var fip = await cloud.CreateFloatingIpAsync("172.24.4.20", "fa:16:3e:aa:00:20", p2);
            Assert.Equal("vm2", await TcpProbe.ConnectWithinAsync(ext.Namespace, "172.24.4.20", VmPort, Deadline));
            Assert.Equal("172.24.4.20", await TcpProbe.ConnectWithinAsync(vm2.Namespace, ExternalGateway, ExternalPort, Deadline));
            Assert.Contains("nw_dst=172.24.4.20", cloud.B.DumpFlows(), StringComparison.Ordinal);
            Assert.DoesNotContain("nw_dst=172.24.4.20", cloud.A.DumpFlows(), StringComparison.Ordinal);

            // Moved to the VM on the first chassis.
            await cloud.AssociateAsync(fip.Id, p1);
            await Poll.UntilAsync(() => TcpProbe.Connect(ext.Namespace, "172.24.4.20", VmPort) == "vm1", Deadline, "the moved floating IP reaching vm1");
            Assert.Equal("172.24.4.20", await TcpProbe.ConnectWithinAsync(vm1.Namespace, ExternalGateway, ExternalPort, Deadline));
            Assert.True(ext.WaitForPing("172.24.4.20", TimeSpan.FromSeconds(10)), "ping after the move");
            await Poll.UntilAsync(() => !cloud.B.DumpFlows().Contains("nw_dst=172.24.4.20", StringComparison.Ordinal), Deadline, "chassis B forgetting the floating IP");
            Assert.Null(TcpProbe.Connect(vm2.Namespace, ExternalGateway, ExternalPort)); // vm2 has no floating IP any more
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    [Fact]
    public async Task The_operators_uplink_on_br_ex_survives_a_controller_restart_and_floating_ips_keep_working()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        using var ext = ExternalSegment.Create(s.Ovs.Names, ExternalGateway + "/24");
        try
        {
            var cloud = await Cloud.CreateAsync(s, ext, flat: true);
            var (p1, vm1) = await cloud.VmAsync(cloud.A, "fa:16:3e:10:00:0a", "10.1.0.10");
            var (p3, vm3) = await cloud.VmAsync(cloud.A, "fa:16:3e:10:00:0c", "10.1.0.12");
            using var server1 = TcpProbe.Start(vm1.Namespace, VmPort, "vm1");
            using var server3 = TcpProbe.Start(vm3.Namespace, VmPort, "vm3");
            await cloud.CreateFloatingIpAsync("172.24.4.10", "fa:16:3e:aa:00:10", p1);
            Assert.Equal("vm1", await TcpProbe.ConnectWithinAsync(ext.Namespace, "172.24.4.10", VmPort, Deadline));
            var portsBefore = Ports(cloud.A);
            Assert.Contains(cloud.UplinkA, portsBefore);
            Assert.Contains(Topology.PatchedBridge.Named("br-ex").BridgePatch, portsBefore);

            await cloud.A.StopControllerAsync();
            await cloud.A.StartControllerAsync();
            var restarted = cloud.A.Controller!;
            await Poll.UntilAsync(() => restarted.FullSyncs >= 1 && restarted.FlowStats is { Reconciles: >= 1 }, Deadline, "the restarted controller synced and connected");

            Assert.Equal(portsBefore, Ports(cloud.A));
            Assert.Equal("vm1", await TcpProbe.ConnectWithinAsync(ext.Namespace, "172.24.4.10", VmPort, Deadline));
            // The restarted controller NATs a new floating IP too (it learns the gateway afresh).
            using var extServer = TcpProbe.Start(ext.Namespace, ExternalPort, TcpProbe.Peer);
            await cloud.CreateFloatingIpAsync("172.24.4.12", "fa:16:3e:aa:00:12", p3);
            Assert.Equal("vm3", await TcpProbe.ConnectWithinAsync(ext.Namespace, "172.24.4.12", VmPort, Deadline));
            Assert.Equal("172.24.4.12", await TcpProbe.ConnectWithinAsync(vm3.Namespace, ExternalGateway, ExternalPort, Deadline));
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    private static string[] Ports(ChassisUnderTest c) => c.Ovs.Vsctl("list-ports", "br-ex").Split('\n').Order(StringComparer.Ordinal).ToArray();

    private void Dump(ControllerSandbox s)
    {
        foreach (var c in s.Chassis)
        {
            output.WriteLine(c.Host + ":\n" + c.DumpFlows() + "\n" + c.Ovs.TryOfctl("dump-flows", "br-ex").StdOut + "\n"
                + string.Join("\n", c.Log.Entries.TakeLast(40)));
        }
    }

    /// <summary>Stops answering within the deadline (flows are removed asynchronously) and stays stopped.</summary>
    private static Task<bool> NeverAnswersAsync(Func<bool> answers) => StopsAnswering.WithinAsync(answers, TimeSpan.FromSeconds(20));

    /// <summary>
    /// Two chassis (apps l2, tunneling, l3_proactive, dnat, aging), a tenant network
    /// 10.1.0.0/24 behind a router whose external gateway is on 172.24.4.0/24, and each
    /// chassis' br-ex uplinked into the external segment.
    /// </summary>
    private sealed class Cloud(ControllerSandbox s) : RoutedTenant(s)
    {
        public ChassisUnderTest A { get; private set; } = null!;
        public ChassisUnderTest B { get; private set; } = null!;
        public string UplinkA { get; private set; } = "";

        public static async Task<Cloud> CreateAsync(ControllerSandbox s, ExternalSegment ext, bool flat)
        {
            s.Apps = ["l2", "tunneling", "l3_proactive", "dnat", "aging"];
            var c = new Cloud(s);
            c.A = await s.AddChassisAsync("geneve");
            c.B = await s.AddChassisAsync("geneve");
            c.UplinkA = ext.Connect(c.A.Ovs);
            ext.Connect(c.B.Ovs);
            await c.CreateNetworksAsync(flat);
            return c;
        }
    }
}
