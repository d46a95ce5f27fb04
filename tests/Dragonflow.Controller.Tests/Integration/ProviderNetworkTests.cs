using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Testing;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// Flat and VLAN networks on two chassis whose physical bridges are joined by a VLAN-aware
/// fabric (<see cref="PhysicalFabric"/>): VMs ping and talk TCP across chassis over the
/// physical network, tagged with the segmentation id (untagged for flat), and reach a host on
/// the VLAN outside the cloud (flood and unknown unicast), two VLANs of one
/// physical network do not hear each other, a router joins a VLAN network and a Geneve
/// network across chassis, and a port whose physical network this chassis has no mapping for
/// stays DOWN with its reason.
/// </summary>
public sealed class ProviderNetworkTests(ITestOutputHelper output)
{
    private const string Physnet = "physnet1";
    private const string PhysicalBridge = "br-phys1";
    private static readonly TimeSpan PingDeadline = TimeSpan.FromSeconds(15);
    // tcpdump gets a moment to attach before the traffic, and ends after the deadline with what it saw.
    private static readonly TimeSpan CaptureStart = TimeSpan.FromSeconds(1), CaptureDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Vms_on_a_vlan_and_a_flat_network_talk_across_chassis_over_the_physical_network_tagged_and_untagged()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        using var fabric = PhysicalFabric.Create(s.Ovs.Names);
        try
        {
            var (a, b) = await TwoChassisOnFabricAsync(s, fabric, ["l2", "tunneling", "provider", "aging"]);
            var vlan = await CreateProviderNetworkAsync(s, "vlan", 100, "10.0.0.0/24");
            var flat = await CreateProviderNetworkAsync(s, "flat", null, "10.9.0.0/24");
            var v1 = await CreatePortAsync(s, vlan, "fa:16:3e:64:00:01", "10.0.0.1");
            var v2 = await CreatePortAsync(s, vlan, "fa:16:3e:64:00:02", "10.0.0.2");
            var f1 = await CreatePortAsync(s, flat, "fa:16:3e:f0:00:01", "10.9.0.1");
            var f2 = await CreatePortAsync(s, flat, "fa:16:3e:f0:00:02", "10.9.0.2");
            var vm1 = s.Plug(a, v1);
            var vm2 = s.Plug(b, v2);
            var fm1 = s.Plug(a, f1);
            var fm2 = s.Plug(b, f2);
            foreach (var (p, c) in new[] { (v1, a), (v2, b), (f1, a), (f2, b) }) await s.WaitForStatusAsync(p.Id, "ACTIVE", c.Host);

            Assert.True(vm1.WaitForPing("10.0.0.2", PingDeadline), "VLAN network across chassis");
            Assert.True(vm2.WaitForPing("10.0.0.1", PingDeadline), "VLAN network back");
            Assert.True(fm1.WaitForPing("10.9.0.2", PingDeadline), "flat network across chassis");
            using (TcpProbe.Start(vm2.Namespace, 8080, "over vlan"))
                Assert.Equal("over vlan", await TcpProbe.ConnectWithinAsync(vm1.Namespace, "10.0.0.2", 8080, PingDeadline));
            using (TcpProbe.Start(fm1.Namespace, 8081, "over flat"))
                Assert.Equal("over flat", await TcpProbe.ConnectWithinAsync(fm2.Namespace, "10.9.0.1", 8081, PingDeadline));

            // A host on VLAN 100 outside the cloud: no port knows its MAC, so the VM reaches it by
            // the flood (ARP) and unknown unicast to the physical network, and it reaches the VM.
            fabric.AddHost(100, "10.0.0.200/24");
            Assert.True(vm1.WaitForPing("10.0.0.200", PingDeadline), "VM -> host on the VLAN");
            Assert.True(fabric.Namespace.Exec("ping", ["-c", "1", "-W", "2", "10.0.0.2"], timeout: TimeSpan.FromSeconds(10)).Succeeded, "host on the VLAN -> VM");

            // On the wire: the VLAN network's frames carry its id, the flat network's none.
            var tagged = fabric.CaptureAsync(a.Ovs, "vlan 100 and icmp", 2, CaptureDeadline);
            await Task.Delay(CaptureStart);
            vm1.Namespace.Exec("ping", "-c", "3", "-i", "0.2", "10.0.0.2");
            var vlanFrames = await tagged;
            output.WriteLine(vlanFrames.StdOut);
            Assert.Equal(2, vlanFrames.StdOut.Split('\n').Count(l => l.Contains("ethertype 802.1Q") && l.Contains("vlan 100,") && l.Contains("ICMP")));
            var untagged = fabric.CaptureAsync(a.Ovs, "icmp", 2, CaptureDeadline);
            await Task.Delay(CaptureStart);
            fm1.Namespace.Exec("ping", "-c", "3", "-i", "0.2", "10.9.0.2");
            var flatFrames = await untagged;
            output.WriteLine(flatFrames.StdOut);
            Assert.Equal(2, flatFrames.StdOut.Split('\n').Count(l => l.Contains("ethertype IPv4") && !l.Contains("802.1Q") && l.Contains("10.9.0.")));
            Assert.Equal([100], fabric.VlansSeenFrom(v1.Macs[0]));
            Assert.Equal([100], fabric.VlansSeenFrom(v2.Macs[0]));
            Assert.Equal([PhysicalFabric.UntaggedVlan], fabric.VlansSeenFrom(f1.Macs[0]));
            // Not the tunnels: no flow of either chassis sets a tunnel key for them.
            foreach (var c in new[] { a, b }) Assert.DoesNotContain("set_field:0x64->tun_id", c.DumpFlows());

            // dragonflow trace follows the packet out of br-int tagged, over the physical network, and in on chassis 2 untagged.
            var config = a.WriteConfig(Path.Combine(a.Ovs.RunDirectory, "df.ini"));
            var (exit, stdout, stderr) = await DragonflowCli.RunAsync(["trace", "--from", v1.Id, "--to", "10.0.0.2", "--proto", "tcp", "--dport", "22",
                "--config", config, "--unixctl", a.Ovs.VswitchdControlPath,
                "--chassis-ovs", $"{b.Host}={b.Ovs.DbRemote},{b.Ovs.VswitchdControlPath}", "-f", "json"], TimeSpan.FromSeconds(60));
            output.WriteLine(stdout + stderr);
            Assert.Equal(0, exit);
            var trace = (JsonObject)JsonNode.Parse(stdout)!;
            Assert.True((bool)trace["delivered"]!, stdout);
            var hops = trace["open_flow"]!.AsArray();
            Assert.Equal([a.Host, b.Host], hops.Select(h => (string?)h!["chassis"]));
            var out1 = (string)hops[0]!["verdict"]!;
            Assert.Contains("sent to the physical network through int-" + PhysicalBridge, out1);
            Assert.Contains("tagged VLAN 100", out1);
            Assert.Contains($"towards chassis {b.Host}", out1);
            Assert.Contains(hops[0]!["flows"]!.AsArray().OfType<JsonObject>(), f => (int)f["table"]! == 64 && (string?)f["app"] == "provider" && ((string?)f["owner"] ?? "").Contains(v2.Id) &&
                f["actions"]!.AsArray().Any(x => (string?)x == "push_vlan:0x8100"));
            Assert.Contains(hops[1]!["flows"]!.AsArray().OfType<JsonObject>(), f => (int)f["table"]! == 0 && (string?)f["app"] == "provider" && ((string?)f["owner"] ?? "").Contains(v2.Id) &&
                f["actions"]!.AsArray().Any(x => (string?)x == "pop_vlan"));
            Assert.StartsWith($"delivered to lport {v2.Id}", (string)trace["verdict"]!);
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    [Fact]
    public async Task Two_vlan_networks_on_one_physical_network_with_the_same_addresses_do_not_hear_each_other()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        using var fabric = PhysicalFabric.Create(s.Ovs.Names);
        try
        {
            var (a, b) = await TwoChassisOnFabricAsync(s, fabric, ["l2", "tunneling", "provider", "aging"]);
            var red = await CreateProviderNetworkAsync(s, "vlan", 101, "10.0.0.0/24");
            var blue = await CreateProviderNetworkAsync(s, "vlan", 102, "10.0.0.0/24");
            var red1 = await CreatePortAsync(s, red, "fa:16:3e:65:00:01", "10.0.0.1");
            var red2 = await CreatePortAsync(s, red, "fa:16:3e:65:00:02", "10.0.0.2");
            var blue1 = await CreatePortAsync(s, blue, "fa:16:3e:66:00:01", "10.0.0.1");
            var blue2 = await CreatePortAsync(s, blue, "fa:16:3e:66:00:02", "10.0.0.2");
            var blue3 = await CreatePortAsync(s, blue, "fa:16:3e:66:00:03", "10.0.0.3");
            var r1 = s.Plug(a, red1);
            s.Plug(b, red2);
            var b1 = s.Plug(a, blue1);
            s.Plug(b, blue2);
            s.Plug(b, blue3);
            foreach (var p in new[] { red1, blue1 }) await s.WaitForStatusAsync(p.Id, "ACTIVE", a.Host);
            foreach (var p in new[] { red2, blue2, blue3 }) await s.WaitForStatusAsync(p.Id, "ACTIVE", b.Host);

            Assert.True(r1.WaitForPing("10.0.0.2", PingDeadline), "red across chassis");
            Assert.True(b1.WaitForPing("10.0.0.2", PingDeadline), "blue across chassis");
            // Each reached its own network's 10.0.0.2.
            Assert.Contains(red2.Macs[0], r1.Exec("ip", "neigh", "show", "10.0.0.2").StdOut);
            Assert.Contains(blue2.Macs[0], b1.Exec("ip", "neigh", "show", "10.0.0.2").StdOut);
            // A blue-only address is not reachable from red, even by a frame to its MAC.
            r1.Exec("ip", "neigh", "replace", "10.0.0.3", "lladdr", blue3.Macs[0], "dev", "eth0");
            Assert.False(r1.Ping("10.0.0.3", count: 3), "red reached blue's VM");
            Assert.True(b1.WaitForPing("10.0.0.3", PingDeadline), "blue reaches its own VM");
            Assert.Equal([101], fabric.VlansSeenFrom(red1.Macs[0]));
            Assert.Equal([102], fabric.VlansSeenFrom(blue1.Macs[0]));
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    [Fact]
    public async Task A_router_joins_a_vlan_network_and_a_geneve_network_across_chassis_in_both_directions()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        using var fabric = PhysicalFabric.Create(s.Ovs.Names);
        try
        {
            var (a, b) = await TwoChassisOnFabricAsync(s, fabric, ["l2", "tunneling", "provider", "l3_proactive", "aging"]);
            var vlan = await CreateProviderNetworkAsync(s, "vlan", 200, "10.20.0.0/24", gateway: "10.20.0.1");
            var vlanSubnet = await s.Api.GetAsync<LogicalSubnet>("sub-" + vlan.Id);
            var (geneve, geneveSubnet) = await L3RoutingTests.CreateNetworkAsync(s, 300, "10.30.0.0/24", "10.30.0.1");
            var router = await s.Api.CreateAsync(new LogicalRouter
            {
                Id = "router-" + Guid.NewGuid().ToString("n")[..8], Topic = "tenant1", Name = "r1",
                UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalRouter>(),
            });
            await L3RoutingTests.AddInterfaceAsync(s, router.Id, vlan, vlanSubnet, "fa:16:3e:c8:00:01");
            await L3RoutingTests.AddInterfaceAsync(s, router.Id, geneve, geneveSubnet, "fa:16:3e:2c:00:01");
            var onVlan = await L3RoutingTests.CreatePortAsync(s, vlan, vlanSubnet, "fa:16:3e:c8:00:0a", "10.20.0.10");
            var onGeneve = await L3RoutingTests.CreatePortAsync(s, geneve, geneveSubnet, "fa:16:3e:2c:00:0a", "10.30.0.10");
            var onVlanThere = await L3RoutingTests.CreatePortAsync(s, vlan, vlanSubnet, "fa:16:3e:c8:00:0b", "10.20.0.11");
            using var vmVlan = L3RoutingTests.Plug(s, a, onVlan, "10.20.0.1");
            using var vmGeneve = L3RoutingTests.Plug(s, b, onGeneve, "10.30.0.1");
            using var vmVlanThere = L3RoutingTests.Plug(s, b, onVlanThere, "10.20.0.1");
            await s.WaitForStatusAsync(onVlan.Id, "ACTIVE", a.Host);
            await s.WaitForStatusAsync(onGeneve.Id, "ACTIVE", b.Host);
            await s.WaitForStatusAsync(onVlanThere.Id, "ACTIVE", b.Host);

            Assert.True(vmVlan.WaitForPing("10.30.0.10", PingDeadline), "VLAN -> Geneve across chassis");
            Assert.True(vmGeneve.WaitForPing("10.20.0.10", PingDeadline), "Geneve -> VLAN across chassis (routed out over the VLAN)");
            Assert.True(vmVlan.WaitForPing("10.20.0.1", PingDeadline), "the router's VLAN interface");
            using (TcpProbe.Start(vmVlan.Namespace, 8082, TcpProbe.Peer))
                Assert.Equal("10.30.0.10", await TcpProbe.ConnectWithinAsync(vmGeneve.Namespace, "10.20.0.10", 8082, PingDeadline));
            // The routed packets to the VLAN network left chassis 2 on VLAN 200 from chassis 2's own MAC;
            // the router interface's MAC, which every chassis routes from, never shows on the physical network.
            Assert.Equal([200], fabric.VlansSeenFrom(Dragonflow.Controller.Apps.Provider.RoutedSourceMac.Of(b.Host).ToString()));
            Assert.Empty(fabric.VlansSeenFrom("fa:16:3e:c8:00:01"));
            Assert.True(vmVlanThere.WaitForPing("10.20.0.10", PingDeadline), "switched on the VLAN network across chassis");
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    [Fact]
    public async Task Security_groups_and_port_security_hold_on_a_vlan_network_across_chassis()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        using var fabric = PhysicalFabric.Create(s.Ovs.Names);
        try
        {
            var (a, b) = await TwoChassisOnFabricAsync(s, fabric, ["l2", "tunneling", "provider", "sg", "portsec", "aging"]);
            var vlan = await CreateProviderNetworkAsync(s, "vlan", 300, "10.0.0.0/24");
            // Open egress; ingress TCP 8080 only, from the network.
            var web = await s.Api.CreateAsync(new SecurityGroup
            {
                Id = Guid.NewGuid().ToString(), Topic = "tenant1", Name = "web", UniqueKey = await s.Api.AllocateUniqueKeyAsync<SecurityGroup>(),
                Rules =
                [
                    new SecurityGroupRule { Id = "out", Topic = "tenant1", Direction = "egress", Version = 1 },
                    new SecurityGroupRule { Id = "web-in", Topic = "tenant1", Direction = "ingress", Protocol = "tcp", PortRangeMin = 8080, PortRangeMax = 8080, RemoteIpPrefix = "10.0.0.0/24", Version = 1 },
                ],
            });
            var v1 = await CreatePortAsync(s, vlan, "fa:16:3e:65:00:01", "10.0.0.1", web.Id);
            var v2 = await CreatePortAsync(s, vlan, "fa:16:3e:65:00:02", "10.0.0.2", web.Id);
            var vm1 = s.Plug(a, v1);
            var vm2 = s.Plug(b, v2);
            foreach (var (p, c) in new[] { (v1, a), (v2, b) }) await s.WaitForStatusAsync(p.Id, "ACTIVE", c.Host);

            using (TcpProbe.Start(vm2.Namespace, 8080, "admitted"))
                Assert.Equal("admitted", await TcpProbe.ConnectWithinAsync(vm1.Namespace, "10.0.0.2", 8080, PingDeadline));
            using (TcpProbe.Start(vm2.Namespace, 8081, "refused"))
                Assert.Null(TcpProbe.Connect(vm1.Namespace, "10.0.0.2", 8081)); // no rule admits 8081
            Assert.False(vm1.Ping("10.0.0.2", count: 2), "no rule admits ICMP");

            // A source address the port was not given is dropped before it reaches the physical network.
            vm1.Namespace.ExecChecked("ip", "addr", "add", "10.0.0.66/24", "dev", "eth0");
            using (TcpProbe.Start(vm2.Namespace, 8080, TcpProbe.Peer))
            {
                Assert.Null(TcpProbe.Connect(vm1.Namespace, "10.0.0.2", 8080, source: "10.0.0.66"));
                Assert.Equal("10.0.0.1", TcpProbe.Connect(vm1.Namespace, "10.0.0.2", 8080)); // its own address still passes
            }
            Assert.Equal([300], fabric.VlansSeenFrom(v1.Macs[0])); // and went out tagged
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    [Fact]
    public async Task A_port_on_a_physical_network_the_chassis_has_no_mapping_for_stays_down_with_its_reason()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        s.Apps = ["l2", "tunneling", "provider", "aging"];
        var a = await s.AddChassisAsync(false, "geneve");
        a.Options = a.Options with { BridgeMappings = [Physnet + ":" + PhysicalBridge], ReportInterval = TimeSpan.FromSeconds(1) };
        await a.StartControllerAsync();
        var mapped = await CreateProviderNetworkAsync(s, "vlan", 100, "10.0.0.0/24");
        var unmapped = await CreateProviderNetworkAsync(s, "vlan", 100, "10.1.0.0/24", physnet: "physnet9");
        var good = await CreatePortAsync(s, mapped, "fa:16:3e:64:00:01", "10.0.0.1");
        var bad = await CreatePortAsync(s, unmapped, "fa:16:3e:64:00:09", "10.1.0.9");
        s.Plug(a, good);
        s.Plug(a, bad);
        await s.WaitForStatusAsync(good.Id, "ACTIVE", a.Host);

        const string reason = "physical network physnet9 has no bridge mapping on this chassis";
        await Poll.UntilAsync(async () => (await s.Api.GetAsync<Chassis>(a.Host)).Controller?.PortsDown.GetValueOrDefault(bad.Id) == reason,
            TimeSpan.FromSeconds(15), "the chassis report names the DOWN port and its reason");
        var port = await s.Api.GetAsync<LogicalPort>(bad.Id);
        Assert.Equal("DOWN", port.Status);
        Assert.Null(port.Chassis);
        Assert.True(a.Log.Contains(Microsoft.Extensions.Logging.LogLevel.Warning, $"port {bad.Id} stays DOWN: {reason}"), "the reason is logged");
        // `dragonflow status` shows it with the port.
        var status = Cli.Inspection.ClusterStatus.Compute(await Cli.Inspection.NbSnapshot.ReadAsync(s.Api), DateTimeOffset.UtcNow).Render();
        Assert.Contains($"DOWN on {a.Host}: {reason}", status);
    }

    private void Dump(ControllerSandbox s)
    {
        foreach (var c in s.Chassis) output.WriteLine(c.Host + ":\n" + c.DumpFlows() + "\n" + string.Join("\n", c.Log.Entries.TakeLast(40)));
    }

    /// <summary>Two chassis mapping physnet1 to br-phys1, each with a trunk into the fabric.</summary>
    private static async Task<(ChassisUnderTest, ChassisUnderTest)> TwoChassisOnFabricAsync(ControllerSandbox s, PhysicalFabric fabric, string[] apps)
    {
        s.Apps = apps;
        var chassis = new List<ChassisUnderTest>();
        for (var i = 0; i < 2; i++)
        {
            var c = await s.AddChassisAsync(false, "geneve");
            c.Options = c.Options with { BridgeMappings = [Physnet + ":" + PhysicalBridge] };
            await c.StartControllerAsync();
            fabric.Connect(c.Ovs, PhysicalBridge);
            chassis.Add(c);
        }
        return (chassis[0], chassis[1]);
    }

    private static async Task<LogicalSwitch> CreateProviderNetworkAsync(ControllerSandbox s, string type, int? vlanId, string cidr,
        string? gateway = null, string physnet = Physnet)
    {
        var id = "net-" + Guid.NewGuid().ToString("n")[..8];
        var net = await s.Api.CreateAsync(new LogicalSwitch
        {
            Id = id, Topic = "tenant1", NetworkType = type, PhysicalNetwork = physnet, SegmentationId = vlanId, Subnets = ["sub-" + id],
            UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalSwitch>(),
        });
        await s.Api.CreateAsync(new LogicalSubnet { Id = "sub-" + id, Topic = "tenant1", Lswitch = id, Cidr = cidr, GatewayIp = gateway });
        return net;
    }

    private static async Task<LogicalPort> CreatePortAsync(ControllerSandbox s, LogicalSwitch net, string mac, string ip, params string[] groups) =>
        await s.Api.CreateAsync(new LogicalPort
        {
            Id = "port-" + Guid.NewGuid().ToString("n")[..8], Topic = net.Topic, Lswitch = net.Id, Macs = [mac],
            Ips = [new FixedIp("sub-" + net.Id, ip)], SecurityGroups = [.. groups], UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalPort>(),
        });
}
