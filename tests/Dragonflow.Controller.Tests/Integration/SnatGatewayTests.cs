using System.Globalization;
using System.Text.Json.Nodes;
using Dragonflow.Testing;
using Dragonflow.Model;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// SNAT through gateway chassis with real traffic: a compute chassis without the gateway role
/// and two gateway chassis, all with an uplink into one external segment. The VM's outbound
/// connections leave through the router's first live gateway with the router's gateway
/// address as source; when that gateway's vswitchd dies, BFD on the tunnels moves the traffic
/// to the next one.
/// </summary>
public sealed class SnatGatewayTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private const string ExternalGateway = RoutedTenant.ExternalGateway;
    private const string RouterGatewayIp = RoutedTenant.RouterGatewayIp;
    private const string VmIp = "10.1.0.10";
    private const int ExternalPort = 9000;

    /// <summary>The bound the issue sets on the outage of new outbound traffic after a gateway dies.</summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_vm_without_a_floating_ip_reaches_the_outside_as_the_routers_gateway_address_or_as_itself_without_snat()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        using var ext = ExternalSegment.Create(s.Ovs.Names, ExternalGateway + "/24");
        try
        {
            var cloud = await SnatCloud.CreateAsync(s, ext);
            var (p1, vm1) = await cloud.VmAsync(cloud.Compute, "fa:16:3e:10:00:0a", VmIp);
            var (p2, vm2) = await cloud.VmAsync(cloud.Compute, "fa:16:3e:10:00:0b", "10.1.0.11");
            await cloud.CreateFloatingIpAsync("172.24.4.20", "fa:16:3e:aa:00:20", p2);
            using var server = TcpProbe.Start(ext.Namespace, ExternalPort, TcpProbe.Peer);
            // Steady state: until BFD is up towards the first gateway, the datapath uses whichever is live.
            await BfdUpTowardsEveryGatewayAsync(cloud);

            Assert.Equal(RouterGatewayIp, await TcpProbe.ConnectWithinAsync(vm1.Namespace, ExternalGateway, ExternalPort, Deadline));
            // The floating IP's VM keeps its own address (dnat, on its own chassis).
            Assert.Equal("172.24.4.20", await TcpProbe.ConnectWithinAsync(vm2.Namespace, ExternalGateway, ExternalPort, Deadline));
            // It went through the first gateway of the schedule, SNATed in the router's zone there.
            var active = cloud.Gateway(cloud.Schedule()[0]);
            Assert.Contains("nat(src=" + RouterGatewayIp + ")", active.Ovs.Ofctl("dump-flows", "br-int", "table=31"), StringComparison.Ordinal);
            Assert.Contains(RouterGatewayIp, active.Ovs.Appctl("dpctl/dump-conntrack"), StringComparison.Ordinal);

            // status names the active gateway; trace follows the packet through the tunnel to it and out, SNATed.
            var config = cloud.Compute.WriteConfig(Path.Combine(cloud.Compute.Ovs.RunDirectory, "df.ini"));
            await Poll.UntilAsync(async () =>
            {
                var status = await DragonflowCli.RunAsync(["status", "--config", config, "-f", "json"], TimeSpan.FromSeconds(60));
                var router = JsonNode.Parse(status.Stdout)!["routers"]!.AsArray().Single()!;
                return (string?)router["active"] == active.Host && router["gateway_chassis"]!.AsArray().Count == 2;
            }, Deadline, "status naming the active gateway chassis");
            var trace = await DragonflowCli.RunAsync(["trace", "--from", p1.Id, "--to", ExternalGateway, "--proto", "tcp", "--dport", ExternalPort.ToString(CultureInfo.InvariantCulture),
                "--config", config, "--unixctl", cloud.Compute.Ovs.VswitchdControlPath,
                "--chassis-ovs", $"{active.Host}={active.Ovs.DbRemote},{active.Ovs.VswitchdControlPath}", "-f", "json"], TimeSpan.FromSeconds(60));
            Assert.Equal(0, trace.ExitCode);
            var traced = JsonNode.Parse(trace.Stdout)!;
            Assert.Equal([cloud.Compute.Host, active.Host], traced["open_flow"]!.AsArray().Select(h => (string?)h!["chassis"]));
            Assert.Contains($"gateway chassis {active.Host}", (string?)traced["open_flow"]![0]!["verdict"] ?? "", StringComparison.Ordinal);
            Assert.Contains("with source " + RouterGatewayIp, (string)traced["verdict"]!, StringComparison.Ordinal);

            // enable_snat = false: routed without translation; the outside routes the tenant subnet back via the router.
            ext.Namespace.ExecChecked("ip", "route", "add", "10.1.0.0/24", "via", RouterGatewayIp);
            await s.Api.UpdateAsync<LogicalRouter>(cloud.Router.Id, r => r.ExternalGatewayInfo!.EnableSnat = false);
            await Poll.UntilAsync(() => TcpProbe.Connect(vm1.Namespace, ExternalGateway, ExternalPort) == VmIp, Deadline, "the outside seeing the VM's own address");
            Assert.True(ext.WaitForPing(VmIp, TimeSpan.FromSeconds(10)), "the outside reaches the VM through the gateway when SNAT is off");
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    [Fact]
    public async Task When_the_active_gateways_vswitchd_dies_new_traffic_leaves_through_the_standby_within_two_seconds_and_returns_when_it_is_back()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        using var ext = ExternalSegment.Create(s.Ovs.Names, ExternalGateway + "/24");
        try
        {
            var cloud = await SnatCloud.CreateAsync(s, ext);
            var (_, vm) = await cloud.VmAsync(cloud.Compute, "fa:16:3e:10:00:0a", VmIp);
            Assert.True(vm.WaitForPing(ExternalGateway, Deadline), "the VM pings the outside through the gateway");
            var schedule = cloud.Schedule();
            var active = cloud.Gateway(schedule[0]);
            var standby = cloud.Gateway(schedule[1]);
            await BfdUpTowardsEveryGatewayAsync(cloud);

            // 20 pings a second for 12 s; the active gateway's vswitchd is killed after 4 s.
            var ping = vm.Namespace.ExecAsync("ping", ["-D", "-n", "-i", "0.05", "-W", "1", "-w", "12", ExternalGateway], timeout: TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(4));
            var killedAt = DateTimeOffset.UtcNow;
            active.Ovs.KillVswitchd();
            var result = await ping;
            var replies = ReplyTimes(result.StdOut);
            var gap = LongestGap(replies, killedAt);
            output.WriteLine($"failover: {replies.Count} replies, longest gap around the kill {gap.TotalMilliseconds:F0} ms");
            Assert.True(replies.Any(t => t > killedAt + gap), "replies resumed after the kill");
            Assert.True(gap < FailoverBound, $"outbound traffic stopped for {gap.TotalMilliseconds:F0} ms");
            Assert.True(FlowPackets(standby, 31) > 0, "the standby SNATed the traffic");

            // The gateway comes back: the schedule did not change, so it takes the router back once BFD is up.
            active.Ovs.StartVswitchd();
            await Poll.UntilAsync(() => BfdUp(cloud.Compute, active), TimeSpan.FromSeconds(60), "BFD up again towards the returned gateway");
            await Poll.UntilAsync(() => active.Ovs.TryOfctl("dump-flows", "br-int", "table=31").StdOut.Contains("nat(src=" + RouterGatewayIp, StringComparison.Ordinal),
                Deadline, "the returned gateway's SNAT flow reinstalled");
            var standbyBefore = FlowPackets(standby, 31);
            Assert.True(vm.WaitForPing(ExternalGateway, Deadline), "the VM pings the outside after the gateway returned");
            await Poll.UntilAsync(() => vm.WaitForPing(ExternalGateway, TimeSpan.FromSeconds(1)) && FlowPackets(active, 31) > 0, Deadline,
                "the returned gateway SNATing again");
            // The standby no longer carries it: a further ping does not move its counters.
            standbyBefore = FlowPackets(standby, 31);
            Assert.True(vm.WaitForPing(ExternalGateway, Deadline), "a ping through the returned gateway");
            Assert.Equal(standbyBefore, FlowPackets(standby, 31));
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    private static async Task BfdUpTowardsEveryGatewayAsync(SnatCloud cloud)
    {
        foreach (var g in cloud.Schedule())
            await Poll.UntilAsync(() => BfdUp(cloud.Compute, cloud.Gateway(g)), Deadline, "BFD up towards gateway " + g);
    }

    /// <summary>BFD towards <paramref name="gateway"/> says forwarding, as the compute chassis' vswitchd sees it.</summary>
    private static bool BfdUp(ChassisUnderTest from, ChassisUnderTest gateway)
    {
        var port = Topology.GatewayTunnel.PortName(System.Net.IPAddress.Parse(gateway.Options.LocalIp));
        var status = from.Ovs.TryVsctl("get", "Interface", port, "bfd_status:forwarding");
        return status.Succeeded && status.StdOut.Contains("true", StringComparison.Ordinal);
    }

    /// <summary>Packets counted by the flows of a table on a chassis (0 while its switch is down).</summary>
    private static long FlowPackets(ChassisUnderTest c, int table)
    {
        var dump = c.Ovs.TryOfctl("dump-flows", "br-int", "table=" + table.ToString(CultureInfo.InvariantCulture));
        if (!dump.Succeeded) return 0;
        return dump.StdOut.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"n_packets=(\d+)"))
            .Where(m => m.Success).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>The arrival times of ping's replies (its -D timestamps).</summary>
    private static List<DateTimeOffset> ReplyTimes(string pingOutput) =>
        pingOutput.Split('\n')
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\[(\d+\.\d+)\] \d+ bytes from"))
            .Where(m => m.Success)
            .Select(m => DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)))
            .ToList();

    /// <summary>The longest time without a reply that spans the kill: from the last reply before it to the first after.</summary>
    private static TimeSpan LongestGap(IReadOnlyList<DateTimeOffset> replies, DateTimeOffset killedAt)
    {
        var last = replies.LastOrDefault(t => t <= killedAt);
        var next = replies.FirstOrDefault(t => t > killedAt);
        if (last == default || next == default) return TimeSpan.MaxValue;
        return next - last;
    }

    private void Dump(ControllerSandbox s)
    {
        foreach (var c in s.Chassis)
        {
            output.WriteLine(c.Host + ":\n" + c.Ovs.TryOfctl("dump-flows", "br-int").StdOut + "\n" + c.Ovs.TryVsctl("show").StdOut + "\n"
                + string.Join("\n", c.Log.Entries.TakeLast(40)));
        }
    }

    /// <summary>
    /// A compute chassis and two gateway chassis (apps l2, tunneling, l3_proactive, dnat, snat,
    /// aging), a tenant network 10.1.0.0/24 behind a router whose external gateway is
    /// 172.24.4.2 on a flat external network, every chassis' br-ex uplinked into the segment.
    /// </summary>
    private sealed class SnatCloud(ControllerSandbox s) : RoutedTenant(s)
    {
        public ChassisUnderTest Compute { get; private set; } = null!;
        public List<ChassisUnderTest> Gateways { get; } = [];

        public ChassisUnderTest Gateway(string host) => Gateways.Single(g => g.Host == host);

        /// <summary>The router's gateway chassis as every controller computes them.</summary>
        public IReadOnlyList<string> Schedule() =>
            GatewaySchedule.For(Router, External, S.Chassis.Select(c => c.Options.ChassisRow()));

        public static async Task<SnatCloud> CreateAsync(ControllerSandbox s, ExternalSegment ext)
        {
            s.Apps = ["l2", "tunneling", "l3_proactive", "dnat", "snat", "aging"];
            var c = new SnatCloud(s);
            c.Compute = await s.AddChassisAsync("geneve");
            ext.Connect(c.Compute.Ovs);
            for (var i = 0; i < 2; i++)
            {
                var g = await s.AddChassisAsync(false, "geneve");
                g.Options = g.Options with { EnableChassisAsGateway = true };
                await g.StartControllerAsync();
                ext.Connect(g.Ovs);
                c.Gateways.Add(g);
            }
            await c.CreateNetworksAsync(flat: true);
            return c;
        }
    }
}
