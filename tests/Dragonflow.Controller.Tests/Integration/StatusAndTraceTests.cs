using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Testing;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// `dragonflow status` and `dragonflow trace` as an operator runs them (a separate process with
/// the chassis' configuration) against two chassis with real OVS and controllers.
/// </summary>
public sealed class StatusAndTraceTests(ITestOutputHelper output)
{
    /// <summary>How trace names the owner of a chassis-wide flow.</summary>
    private const string ChassisWide = "pipeline (chassis-wide)";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static async Task<ChassisUnderTest> AddChassisAsync(ControllerSandbox s, TimeSpan reportInterval)
    {
        var c = await s.AddChassisAsync(false, "geneve");
        c.Options = c.Options with { ReportInterval = reportInterval };
        await c.StartControllerAsync();
        return c;
    }

    private async Task<(int Exit, string Stdout, string Stderr)> CliAsync(params string[] args)
    {
        var result = await DragonflowCli.RunAsync(args, TimeSpan.FromSeconds(60));
        output.WriteLine($"$ dragonflow {string.Join(' ', args)}\n{result.Stdout}{result.Stderr}");
        return result;
    }

    /// <summary>Runs `status -f json` until <paramref name="condition"/> holds on its chassis list.</summary>
    private async Task<JsonObject> StatusUntilAsync(string config, Func<JsonArray, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var (exit, stdout, stderr) = await DragonflowCli.RunAsync(["status", "--config", config, "-f", "json"], TimeSpan.FromSeconds(60));
            Assert.True(exit == 0, stderr);
            var status = (JsonObject)JsonNode.Parse(stdout)!;
            if (condition(status["chassis"]!.AsArray())) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"status never showed {what}:\n{stdout}");
            await Task.Delay(500);
        }
    }

    private static JsonObject? Chassis(JsonArray list, string id) => list.OfType<JsonObject>().FirstOrDefault(c => (string?)c["id"] == id);

    [Fact]
    public async Task Status_shows_both_chassis_up_with_their_connections_and_ports_then_one_down_once_its_controller_stops()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        // A is "up" throughout, also at the end: its heartbeats may come late on a busy machine, so it
        // reports every 5 s (up while its last report is at most 15 s old). B, whose going down is
        // watched for, reports every second (down 3 s after its last report).
        var a = await AddChassisAsync(s, TimeSpan.FromSeconds(5));
        var b = await AddChassisAsync(s, TimeSpan.FromSeconds(1));
        var net = await s.CreateNetworkAsync(100);
        var p1 = await s.CreatePortAsync(net, "fa:16:3e:00:00:01", "10.0.0.1");
        using var vm1 = s.Plug(a, p1);
        await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
        var config = a.WriteConfig(Path.Combine(a.Ovs.RunDirectory, "df.ini"));

        var up = await StatusUntilAsync(config, list =>
            Chassis(list, a.Host) is { } ca && (string?)ca["state"] == "up" && (bool?)ca["controller"]?["openflow_connected"] == true &&
            Chassis(list, b.Host) is { } cb && (string?)cb["state"] == "up" && (bool?)cb["controller"]?["openflow_connected"] == true,
            "both chassis up with OpenFlow connected");
        var chassisA = Chassis(up["chassis"]!.AsArray(), a.Host)!;
        Assert.True((bool)chassisA["controller"]!["ovsdb_connected"]!);
        Assert.NotEmpty(chassisA["controller"]!["publishers"]!.AsArray()); // subscribed to the API's publisher at least
        var port = Assert.Single(chassisA["ports"]!.AsArray());
        Assert.Equal(p1.Id, (string?)port!["id"]);
        Assert.Equal("ACTIVE", (string?)port["status"]);
        Assert.Empty(Chassis(up["chassis"]!.AsArray(), b.Host)!["ports"]!.AsArray());
        Assert.NotEmpty(up["publishers"]!.AsArray());

        var table = await CliAsync("status", "--config", config);
        Assert.Equal(0, table.Exit);
        Assert.Matches($@"(?m)^{a.Host}\s+up\s", table.Stdout);
        Assert.Matches($@"(?m)^{a.Host}\s+{p1.Id}\s.*ACTIVE\s*$", table.Stdout);
        Assert.Contains("PUBLISHER", table.Stdout);

        await b.StopControllerAsync();
        var down = await StatusUntilAsync(config, list => (string?)Chassis(list, b.Host)?["state"] == "down", $"{b.Host} down");
        Assert.Equal("up", (string?)Chassis(down["chassis"]!.AsArray(), a.Host)!["state"]);
        Assert.True((double)Chassis(down["chassis"]!.AsArray(), b.Host)!["age_seconds"]! > 3);
    }

    [Fact]
    public async Task Trace_explains_a_delivered_packet_and_a_dropped_one_with_the_apps_and_objects_behind_each_flow()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        s.Apps = ["l2", "tunneling", "l3_proactive", "aging"];
        try
        {
            var a = await AddChassisAsync(s, TimeSpan.FromSeconds(2));
            var b = await AddChassisAsync(s, TimeSpan.FromSeconds(2));
            var group = await s.Api.CreateAsync(new SecurityGroup
            {
                Id = "sg-" + Guid.NewGuid().ToString("n")[..8], Topic = "tenant1", Name = "ssh",
                Rules =
                [
                    new SecurityGroupRule { Id = "out", Direction = "egress" },
                    new SecurityGroupRule { Id = "ssh-in", Direction = "ingress", Protocol = "tcp", PortRangeMin = 22, PortRangeMax = 22 },
                ],
            });
            var net1 = await s.CreateNetworkAsync(100);
            var net2 = await s.Api.CreateAsync(new LogicalSwitch
            {
                Id = "net-" + Guid.NewGuid().ToString("n")[..8], Topic = "tenant1", NetworkType = "geneve", SegmentationId = 200,
                UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalSwitch>(),
            });
            await s.Api.CreateAsync(new LogicalSubnet { Id = "sub-" + net2.Id, Topic = "tenant1", Lswitch = net2.Id, Cidr = "10.0.1.0/24" });
            async Task<LogicalPort> PortAsync(LogicalSwitch net, string mac, string ip)
            {
                var p = await s.CreatePortAsync(net, mac, ip);
                return await s.Api.UpdateAsync<LogicalPort>(p.Id, x => x.SecurityGroups = [group.Id]);
            }
            var p1 = await PortAsync(net1, "fa:16:3e:00:00:01", "10.0.0.1");
            var p2 = await PortAsync(net1, "fa:16:3e:00:00:02", "10.0.0.2");
            var p3 = await PortAsync(net2, "fa:16:3e:00:01:03", "10.0.1.3");
            // net1 and net3 are joined by a router; net2 is joined to nothing.
            var net3 = await s.Api.CreateAsync(new LogicalSwitch
            {
                Id = "net-" + Guid.NewGuid().ToString("n")[..8], Topic = "tenant1", NetworkType = "geneve", SegmentationId = 300,
                UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalSwitch>(),
            });
            await s.Api.CreateAsync(new LogicalSubnet { Id = "sub-" + net3.Id, Topic = "tenant1", Lswitch = net3.Id, Cidr = "10.0.2.0/24", GatewayIp = "10.0.2.254" });
            var router = await s.Api.CreateAsync(new LogicalRouter
            {
                Id = "router-" + Guid.NewGuid().ToString("n")[..8], Topic = "tenant1", Name = "r1", UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalRouter>(),
            });
            foreach (var (net, ip, mac) in new[] { (net1, "10.0.0.254", "fa:16:3e:00:ff:01"), (net3, "10.0.2.254", "fa:16:3e:00:ff:03") })
            {
                var rif = await s.Api.CreateAsync(new LogicalPort
                {
                    Id = Guid.NewGuid().ToString(), Topic = "tenant1", Lswitch = net.Id, DeviceOwner = "network:router_interface", DeviceId = router.Id,
                    PortSecurityEnabled = false, Macs = [mac], Ips = [new FixedIp("sub-" + net.Id, ip)], UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalPort>(),
                });
                await s.Api.UpdateAsync<LogicalRouter>(router.Id, r => r.Ports.Add(new LogicalRouterPort
                {
                    Id = rif.Id, Topic = "tenant1", Mac = mac, Network = ip + "/24", Lswitch = net.Id, SubnetId = "sub-" + net.Id, UniqueKey = rif.UniqueKey,
                }));
            }
            var p4 = await PortAsync(net3, "fa:16:3e:00:02:04", "10.0.2.4");
            using var vm1 = s.Plug(a, p1);
            using var vm2 = s.Plug(b, p2);
            using var vm3 = s.Plug(a, p3);
            using var vm4 = s.Plug(b, p4);
            await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
            await s.WaitForStatusAsync(p2.Id, "ACTIVE", b.Host);
            await s.WaitForStatusAsync(p3.Id, "ACTIVE", a.Host);
            await s.WaitForStatusAsync(p4.Id, "ACTIVE", b.Host);
            // Ports are ACTIVE once bound locally; the flows towards the other chassis (tunnel egress,
            // remote L2 lookup) and from it (tunnel ingress) can follow. Trace once they are there.
            await a.WaitForSettledFlowsAsync(
                $@"table=17,.*dl_dst={p2.Macs[0]}", $@"table=64,.*reg7=0x{p2.UniqueKey:x}[ ,]", $@"table=64,.*reg7=0x{p4.UniqueKey:x}[ ,]");
            await b.WaitForSettledFlowsAsync(
                $@"tun_id=0x{100:x},.*dl_dst={p2.Macs[0]}", $@"tun_id=0x{300:x},.*dl_dst={p4.Macs[0]}", $@"table=78,.*reg7=0x{p2.UniqueKey:x}[ ,]");
            var config = a.WriteConfig(Path.Combine(a.Ovs.RunDirectory, "df.ini"));
            string[] ovs = ["--config", config, "--unixctl", a.Ovs.VswitchdControlPath];

            // Permitted: VM to VM on one network across chassis, ssh allowed by the group.
            var ok = await CliAsync(["trace", "--from", p1.Id, "--to", "10.0.0.2", "--proto", "tcp", "--dport", "22", "-f", "json", .. ovs]);
            Assert.Equal(0, ok.Exit);
            var okJson = (JsonObject)JsonNode.Parse(ok.Stdout)!;
            Assert.True((bool)okJson["delivered"]!, ok.Stdout);
            Assert.False((bool)okJson["disagree"]!);
            Assert.Contains(okJson["logical"]!["steps"]!.AsArray(), st => (string?)st!["stage"] == "ingress security group" && ((string?)st["detail"] ?? "").Contains("ssh-in"));
            var hop = (JsonObject)Assert.Single(okJson["open_flow"]!.AsArray())!;
            var flows = hop["flows"]!.AsArray().OfType<JsonObject>().ToList();
            Assert.Contains(flows, f => (int)f["table"]! == 0 && (string?)f["app"] == "l2" && ((string?)f["owner"] ?? "").Contains(p1.Id) && (bool)f["owner_exact"]!);
            Assert.Contains(flows, f => (int)f["table"]! == 17 && (string?)f["app"] == "l2" && ((string?)f["owner"] ?? "").Contains(p2.Id));
            Assert.Contains(flows, f => (int)f["table"]! == 64 && (string?)f["app"] == "tunneling" && ((string?)f["owner"] ?? "").Contains(p2.Id));
            var verdict = (string)okJson["verdict"]!;
            Assert.Contains($"sent to chassis {b.Host} through the geneve tunnel", verdict);
            Assert.Contains("VNI 100", verdict);
            Assert.Contains(p2.Id, verdict);
            Assert.DoesNotContain("datapath dropped", verdict);

            // Telnet is refused by the group; no sg app runs here, so the switch lets it through, and trace says they disagree.
            var telnet = await CliAsync(["trace", "--from", p1.Id, "--to", "10.0.0.2", "--proto", "tcp", "--dport", "23", .. ovs]);
            Assert.Equal(0, telnet.Exit);
            Assert.Contains("logical verdict: dropped at ingress security group", telnet.Stdout);
            Assert.Contains("no ingress rule of group(s) ssh", telnet.Stdout);
            Assert.Contains("warning: the switch disagrees with the logical topology", telnet.Stdout);
            Assert.Contains($"note: chassis {b.Host} does not run the sg app: security groups are not enforced there", telnet.Stdout);

            // Given chassis-2's OVS too, the trace follows the tunnel there, to the port.
            var followed = await CliAsync(["trace", "--from", p1.Id, "--to", "10.0.0.2", "--proto", "tcp", "--dport", "22",
                "--chassis-ovs", $"{b.Host}={b.Ovs.DbRemote},{b.Ovs.VswitchdControlPath}", "-f", "json", .. ovs]);
            Assert.Equal(0, followed.Exit);
            var followedJson = (JsonObject)JsonNode.Parse(followed.Stdout)!;
            Assert.True((bool)followedJson["delivered"]!, followed.Stdout);
            var hops = followedJson["open_flow"]!.AsArray();
            Assert.Equal([a.Host, b.Host], hops.Select(h => (string?)h!["chassis"]));
            var remoteFlows = hops[1]!["flows"]!.AsArray().OfType<JsonObject>().ToList();
            Assert.Contains(remoteFlows, f => (int)f["table"]! == 0 && (string?)f["app"] == "tunneling" && ((string?)f["owner"] ?? "").Contains(p2.Id) && (bool)f["owner_exact"]!);
            Assert.Contains(remoteFlows, f => (int)f["table"]! == 78 && (string?)f["app"] == "l2" && ((string?)f["owner"] ?? "").Contains(p2.Id));
            var final = (string)followedJson["verdict"]!;
            Assert.StartsWith($"delivered to lport {p2.Id}", final);
            Assert.Contains($"(via chassis {a.Host} -> {b.Host})", final);

            // Routed: to net3 through the router's interfaces, then across chassis.
            var routed = await CliAsync(["trace", "--from", p1.Id, "--to", "10.0.2.4", "--proto", "tcp", "--dport", "22",
                "--chassis-ovs", $"{b.Host}={b.Ovs.DbRemote},{b.Ovs.VswitchdControlPath}", "-f", "json", .. ovs]);
            Assert.Equal(0, routed.Exit);
            var routedJson = (JsonObject)JsonNode.Parse(routed.Stdout)!;
            Assert.True((bool)routedJson["delivered"]!, routed.Stdout);
            Assert.Contains(routedJson["logical"]!["steps"]!.AsArray(), st => (string?)st!["stage"] == "routing" && (string?)st["object"] == "lrouter " + router.Id);
            var routedFlows = routedJson["open_flow"]![0]!["flows"]!.AsArray().OfType<JsonObject>().ToList();
            Assert.Contains(routedFlows, f => (int)f["table"]! == 17 && (string?)f["app"] == "l3_proactive" && ((string?)f["owner"] ?? "").Contains(router.Id) && (bool)f["owner_exact"]!);
            Assert.Contains(routedFlows, f => (int)f["table"]! == 25 && (string?)f["app"] == "l3_proactive" && (bool)f["owner_exact"]!);
            Assert.StartsWith($"delivered to lport {p4.Id}", (string)routedJson["verdict"]!);

            // Blocked: from a network that no router joins.
            var blocked = await CliAsync(["trace", "--from", p3.Id, "--to", "10.0.0.1", "--proto", "tcp", "--dport", "22", .. ovs]);
            Assert.Equal(0, blocked.Exit);
            Assert.Contains("logical verdict: dropped at routing", blocked.Stdout);
            Assert.Contains("no router has an interface on it", blocked.Stdout);
            Assert.Contains($"verdict: dropped at table 17 (L2_LOOKUP): no flow matched (packet on lswitch {net2.Id})", blocked.Stdout);
            Assert.DoesNotContain("warning: the switch disagrees", blocked.Stdout);

            // Blocked: through a router that has no way to the destination network; the VM sends to its gateway, the router drops it.
            var unrouted = await CliAsync(["trace", "--from", p1.Id, "--to", "10.0.1.3", "--proto", "tcp", "--dport", "22", .. ovs]);
            Assert.Equal(0, unrouted.Exit);
            Assert.Contains($"has an interface, route or gateway towards 10.0.1.3", unrouted.Stdout);
            Assert.Contains("match metadata=0x1,dl_dst=fa:16:3e:00:ff:01", unrouted.Stdout);
            Assert.Contains($"verdict: dropped at table 20 (L3_LOOKUP): no flow matched (packet on lswitch {net1.Id})", unrouted.Stdout);
            Assert.DoesNotContain("warning: the switch disagrees", unrouted.Stdout);

            // A port not plugged into the chassis the CLI points at: the logical path still, and a clear note.
            var elsewhere = await CliAsync(["trace", "--from", p2.Id, "--to", "10.0.0.1", "--proto", "tcp", "--dport", "22", .. ovs]);
            Assert.Equal(1, elsewhere.Exit);
            Assert.Contains($"bound to {b.Host}", elsewhere.Stdout);
            Assert.Contains("logical verdict: delivered to port lport", elsewhere.Stdout);
        }
        catch
        {
            foreach (var c in s.Chassis) output.WriteLine(c.Host + ":\n" + c.DumpFlows());
            throw;
        }
    }

    [Fact]
    public async Task Trace_with_the_sg_and_portsec_apps_explains_the_rule_that_admits_the_group_that_refuses_and_a_spoofed_source()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        s.Apps = ["l2", "tunneling", "sg", "portsec", "aging"];
        try
        {
            var a = await AddChassisAsync(s, TimeSpan.FromSeconds(2));
            var b = await AddChassisAsync(s, TimeSpan.FromSeconds(2));
            async Task<SecurityGroup> GroupAsync(string name, params SecurityGroupRule[] rules) => await s.Api.CreateAsync(new SecurityGroup
            {
                Id = "sg-" + Guid.NewGuid().ToString("n")[..8], Topic = "tenant1", Name = name, Rules = [.. rules],
                UniqueKey = await s.Api.AllocateUniqueKeyAsync<SecurityGroup>(),
            });
            var client = await GroupAsync("client", new SecurityGroupRule { Id = "client-out", Direction = "egress", Protocol = "tcp" });
            var server = await GroupAsync("server", new SecurityGroupRule { Id = "server-out", Direction = "egress" },
                new SecurityGroupRule { Id = "ssh-in", Direction = "ingress", Protocol = "tcp", PortRangeMin = 22, PortRangeMax = 22 });
            var net = await s.CreateNetworkAsync(400);
            var p1 = await s.Api.UpdateAsync<LogicalPort>((await s.CreatePortAsync(net, "fa:16:3e:40:00:01", "10.0.0.1")).Id, x => x.SecurityGroups = [client.Id]);
            var p2 = await s.Api.UpdateAsync<LogicalPort>((await s.CreatePortAsync(net, "fa:16:3e:40:00:02", "10.0.0.2")).Id, x => x.SecurityGroups = [server.Id]);
            using var vm1 = s.Plug(a, p1);
            using var vm2 = s.Plug(b, p2);
            await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
            await s.WaitForStatusAsync(p2.Id, "ACTIVE", b.Host);
            // The group's conjunction is on chassis-2 once its rule clause is.
            var deadline = DateTime.UtcNow + Deadline;
            while (!b.DumpFlows().Contains($"conj_id={server.UniqueKey}", StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the server group's flows never reached chassis-2");
                await Task.Delay(300);
            }
            var config = a.WriteConfig(Path.Combine(a.Ovs.RunDirectory, "df.ini"));
            string[] ovs = ["--config", config, "--unixctl", a.Ovs.VswitchdControlPath, "--chassis-ovs", $"{b.Host}={b.Ovs.DbRemote},{b.Ovs.VswitchdControlPath}"];

            // ssh: admitted by the server group's rule, on chassis-2 where the destination is.
            var ssh = await CliAsync(["trace", "--from", p1.Id, "--to", "10.0.0.2", "--proto", "tcp", "--dport", "22", "-f", "json", .. ovs]);
            Assert.Equal(0, ssh.Exit);
            var sshJson = (JsonObject)JsonNode.Parse(ssh.Stdout)!;
            Assert.True((bool)sshJson["delivered"]!, ssh.Stdout);
            Assert.False((bool)sshJson["disagree"]!, ssh.Stdout);
            Assert.Contains(sshJson["logical"]!["steps"]!.AsArray(), st => (string?)st!["stage"] == "ingress security group" &&
                (string?)st["object"] == "lsecgroup " + server.Id && ((string?)st["detail"] ?? "").Contains("permitted by rule ssh-in"));
            Assert.Contains(sshJson["logical"]!["steps"]!.AsArray(), st => (string?)st!["stage"] == "egress security group" &&
                ((string?)st["detail"] ?? "").Contains("permitted by rule client-out"));
            var sshHops = sshJson["open_flow"]!.AsArray();
            Assert.Equal([a.Host, b.Host], sshHops.Select(h => (string?)h!["chassis"]));
            var egress = sshHops[0]!["flows"]!.AsArray().OfType<JsonObject>().ToList();
            Assert.Contains(egress, f => (int)f["table"]! == 1 && (string?)f["app"] == "portsec" && ((string?)f["owner"] ?? "").Contains(p1.Id));
            Assert.Contains(egress, f => (int)f["table"]! == 2 && (string?)f["app"] == "portsec" && ((string?)f["owner"] ?? "").Contains(p1.Id));
            Assert.Contains(egress, f => (int)f["table"]! == 3 && (string?)f["app"] == "sg" && (string?)f["owner"] == ChassisWide);
            Assert.Contains(egress, f => (int)f["table"]! == 6 && (string?)f["app"] == "sg" && (string?)f["owner"] == $"lsecgroup {client.Id} (client)" && (bool)f["owner_exact"]!);
            var ingress = sshHops[1]!["flows"]!.AsArray().OfType<JsonObject>().ToList();
            Assert.Contains(ingress, f => (int)f["table"]! == 72 && (string?)f["app"] == "sg" && (string?)f["owner"] == ChassisWide);
            Assert.Contains(ingress, f => (int)f["table"]! == 77 && (string?)f["app"] == "sg" && (string?)f["owner"] == $"lsecgroup {server.Id} (server)" && (bool)f["owner_exact"]! &&
                f["notes"]!.AsArray().Any(n => ((string?)n ?? "").Contains($"the port is in lsecgroup {server.Id} (server) and one of its ingress rules matched")));
            Assert.StartsWith($"delivered to lport {p2.Id}", (string)sshJson["verdict"]!);

            // telnet: no rule of the server group admits it; chassis-2 drops it in table 77, and both halves agree.
            var telnet = await CliAsync(["trace", "--from", p1.Id, "--to", "10.0.0.2", "--proto", "tcp", "--dport", "23", .. ovs]);
            Assert.Equal(0, telnet.Exit);
            Assert.Contains($"logical verdict: dropped at ingress security group (lport {p2.Id}): no ingress rule of group(s) server ({server.Id}) permits tcp/23 from 10.0.0.1", telnet.Stdout);
            Assert.Contains($"verdict: dropped at table 77 (INGRESS_SECURITY_GROUP) by sg: the flow of {ChassisWide} ends the pipeline without output (drop): " +
                $"lport {p2.Id} (10.0.0.2): no ingress rule of lsecgroup {server.Id} (server) admits the packet (the security groups' default drop)", telnet.Stdout);
            Assert.Contains($"(via chassis {a.Host} -> {b.Host})", telnet.Stdout);
            Assert.DoesNotContain("warning: the switch disagrees", telnet.Stdout);

            // Traced on chassis-1 only: the packet leaves for chassis-2, where the group is checked: not a disagreement, a pointer.
            var local = await CliAsync(["trace", "--from", p1.Id, "--to", "10.0.0.2", "--proto", "tcp", "--dport", "23", "--config", config, "--unixctl", a.Ovs.VswitchdControlPath]);
            Assert.Equal(0, local.Exit);
            Assert.Contains($"sent to chassis {b.Host} through the geneve tunnel", local.Stdout);
            Assert.Contains($"the ingress security group is checked on chassis {b.Host}", local.Stdout);
            Assert.DoesNotContain("warning: the switch disagrees", local.Stdout);

            // ping: the client group lets only tcp out; chassis-1 drops it in table 6, before it leaves.
            var ping = await CliAsync(["trace", "--from", p1.Id, "--to", "10.0.0.2", .. ovs]);
            Assert.Equal(0, ping.Exit);
            Assert.Contains($"logical verdict: dropped at egress security group (lport {p1.Id}): no egress rule of group(s) client ({client.Id}) permits icmp type 8 to 10.0.0.2", ping.Stdout);
            Assert.Contains($"verdict: dropped at table 6 (EGRESS_SECURITY_GROUP) by sg: the flow of {ChassisWide} ends the pipeline without output (drop): " +
                $"lport {p1.Id} (10.0.0.1): no egress rule of lsecgroup {client.Id} (client) admits the packet (the security groups' default drop) (on chassis {a.Host})", ping.Stdout);
            Assert.DoesNotContain("warning: the switch disagrees", ping.Stdout);

            // A spoofed source: portsec drops it in table 2 (the MAC is the port's, the address is not), as the logical path says.
            var spoofed = await CliAsync(["trace", "--from", p1.Id, "--to", "10.0.0.2", "--src", "10.0.0.99", "--proto", "tcp", "--dport", "22", "-f", "json", .. ovs]);
            Assert.Equal(0, spoofed.Exit);
            var spoofedJson = (JsonObject)JsonNode.Parse(spoofed.Stdout)!;
            Assert.False((bool)spoofedJson["delivered"]!, spoofed.Stdout);
            Assert.False((bool)spoofedJson["disagree"]!, spoofed.Stdout);
            Assert.StartsWith("dropped at port security", (string)spoofedJson["logical"]!["verdict"]!);
            Assert.Contains("10.0.0.99 is neither a fixed IP nor an allowed address pair", (string)spoofedJson["logical"]!["verdict"]!);
            Assert.Equal($"dropped at table 2 (EGRESS_SOURCE_ADDRESS) by portsec: the flow of {ChassisWide} ends the pipeline without output (drop): " +
                $"lport {p1.Id} (10.0.0.1): the source address is none of the port's for that MAC (on chassis {a.Host})", (string)spoofedJson["verdict"]!);
            Assert.Single(spoofedJson["open_flow"]!.AsArray());
            Assert.Empty(spoofedJson["notes"]!.AsArray()); // the VM resolves 10.0.0.2 whatever source it forges
        }
        catch
        {
            foreach (var c in s.Chassis) output.WriteLine(c.Host + ":\n" + c.DumpFlows());
            throw;
        }
    }

    [Fact]
    public async Task Trace_from_a_vm_with_a_floating_ip_to_an_external_host_shows_the_snat_and_the_exit_to_the_external_bridge()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        s.Apps = ["l2", "tunneling", "l3_proactive", "dnat", "aging"];
        using var ext = ExternalSegment.Create(s.Ovs.Names, "172.24.4.1/24");
        try
        {
            var a = await AddChassisAsync(s, TimeSpan.FromSeconds(2));
            ext.Connect(a.Ovs);
            var api = s.Api;
            var tenant = await api.CreateAsync(new LogicalSwitch
            {
                Id = "net-tenant", Topic = "tenant1", NetworkType = "geneve", SegmentationId = 101, Subnets = ["sub-tenant"],
                UniqueKey = await api.AllocateUniqueKeyAsync<LogicalSwitch>(),
            });
            await api.CreateAsync(new LogicalSubnet { Id = "sub-tenant", Topic = "tenant1", Lswitch = tenant.Id, Cidr = "10.1.0.0/24", GatewayIp = "10.1.0.1" });
            var external = await api.CreateAsync(new LogicalSwitch
            {
                Id = "net-external", Topic = "admin", Name = "public", RouterExternal = true, Subnets = ["sub-external"], NetworkType = "flat", PhysicalNetwork = "public",
                UniqueKey = await api.AllocateUniqueKeyAsync<LogicalSwitch>(),
            });
            await api.CreateAsync(new LogicalSubnet { Id = "sub-external", Topic = "admin", Lswitch = external.Id, Cidr = "172.24.4.0/24", GatewayIp = "172.24.4.1", EnableDhcp = false });
            async Task<LogicalPort> LportAsync(LogicalSwitch net, string subnet, string mac, string ip, string owner = "", string device = "") =>
                await api.CreateAsync(new LogicalPort
                {
                    Id = "port-" + Guid.NewGuid().ToString("n")[..8], Topic = net.Topic, Lswitch = net.Id, Macs = [mac], Ips = [new FixedIp(subnet, ip)],
                    DeviceOwner = owner, DeviceId = device, PortSecurityEnabled = owner.Length == 0, UniqueKey = await api.AllocateUniqueKeyAsync<LogicalPort>(),
                });
            var routerId = "router-" + Guid.NewGuid().ToString("n")[..8];
            var gatewayPort = await LportAsync(external, "sub-external", "fa:16:3e:ee:00:02", "172.24.4.2", "network:router_gateway", routerId);
            var interfacePort = await LportAsync(tenant, "sub-tenant", "fa:16:3e:10:00:01", "10.1.0.1", "network:router_interface", routerId);
            var router = await api.CreateAsync(new LogicalRouter
            {
                Id = routerId, Topic = "tenant1", Name = "r1", UniqueKey = await api.AllocateUniqueKeyAsync<LogicalRouter>(),
                Ports =
                [
                    new LogicalRouterPort
                    {
                        Id = interfacePort.Id, Topic = "tenant1", Mac = "fa:16:3e:10:00:01", Network = "10.1.0.1/24", Lswitch = tenant.Id, SubnetId = "sub-tenant",
                        UniqueKey = interfacePort.UniqueKey,
                    },
                ],
                ExternalGatewayInfo = new ExternalGatewayInfo { NetworkId = external.Id, ExternalFixedIps = [.. gatewayPort.Ips], PortId = gatewayPort.Id },
            });
            var open = await api.CreateAsync(new SecurityGroup
            {
                Id = "sg-" + Guid.NewGuid().ToString("n")[..8], Topic = "tenant1", Name = "open", Rules = [new SecurityGroupRule { Id = "out", Direction = "egress" }],
                UniqueKey = await api.AllocateUniqueKeyAsync<SecurityGroup>(),
            });
            var p1 = await api.UpdateAsync<LogicalPort>((await LportAsync(tenant, "sub-tenant", "fa:16:3e:10:00:0a", "10.1.0.10")).Id, x => x.SecurityGroups = [open.Id]);
            using var vm1 = s.Plug(a, p1);
            await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
            var fipId = Guid.NewGuid().ToString();
            var floating = await LportAsync(external, "sub-external", "fa:16:3e:aa:00:10", "172.24.4.10", "network:floatingip", fipId);
            var fip = await api.CreateAsync(new FloatingIp
            {
                Id = fipId, Topic = "tenant1", FloatingNetworkId = external.Id, FloatingLport = floating.Id, FloatingMac = "fa:16:3e:aa:00:10",
                FloatingIpAddress = "172.24.4.10", ExternalGatewayIp = "172.24.4.1", Lport = p1.Id, FixedIpAddress = "10.1.0.10", Lrouter = router.Id, Status = "ACTIVE",
            });
            // The chassis learned the external gateway's MAC: the floating IP's way out is complete.
            var deadline = DateTime.UtcNow + Deadline;
            while (!a.Ovs.Ofctl("dump-flows", "br-int", "table=30").Contains($"set_field:{ext.GatewayMac}->eth_dst", StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the floating IP's egress flow never appeared");
                await Task.Delay(300);
            }
            var config = a.WriteConfig(Path.Combine(a.Ovs.RunDirectory, "df.ini"));

            var result = await CliAsync("trace", "--from", p1.Id, "--to", "172.24.4.1", "--proto", "tcp", "--dport", "9000", "-f", "json",
                "--config", config, "--unixctl", a.Ovs.VswitchdControlPath);
            Assert.Equal(0, result.Exit);
            var json = (JsonObject)JsonNode.Parse(result.Stdout)!;
            Assert.True((bool)json["delivered"]!, result.Stdout);
            Assert.False((bool)json["disagree"]!, result.Stdout);
            Assert.Contains(json["logical"]!["steps"]!.AsArray(), st => (string?)st!["stage"] == "nat" && (string?)st["object"] == "floatingip " + fip.Id &&
                (string?)st["detail"] == "SNAT 10.1.0.10 -> floating IP 172.24.4.10");
            Assert.StartsWith("leaves through the external network public (net-external) (br-ex) from 172.24.4.10", (string)json["logical"]!["verdict"]!);
            var flows = json["open_flow"]![0]!["flows"]!.AsArray().OfType<JsonObject>().ToList();
            Assert.Contains(flows, f => (int)f["table"]! == 20 && (string?)f["app"] == "dnat" && (string?)f["owner"] == $"floatingip {fip.Id} (172.24.4.10)");
            Assert.Contains(flows, f => (int)f["table"]! == 30 && (string?)f["app"] == "dnat" && (string?)f["owner"] == $"floatingip {fip.Id} (172.24.4.10)" &&
                f["notes"]!.AsArray().Any(n => (string?)n == $"=> SNAT 10.1.0.10 -> floating IP 172.24.4.10 (floatingip {fip.Id})"));
            var verdict = (string)json["verdict"]!;
            Assert.Contains("sent to the external network through the patch to the external bridge", verdict);
            Assert.Contains($"by table 30 (EGRESS_NAT), dnat, with source 172.24.4.10 (floating IP {fip.Id})", verdict);
        }
        catch
        {
            foreach (var c in s.Chassis) output.WriteLine(c.Host + ":\n" + c.DumpFlows());
            throw;
        }
    }
}
