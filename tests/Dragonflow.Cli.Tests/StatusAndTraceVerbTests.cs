using System.Text.Json.Nodes;
using Dragonflow.Cli.Inspection;
using Dragonflow.Model;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary>`dragonflow status` and `dragonflow trace --logical-only` on a temporary sqlite NB (no OVS), and the status rules.</summary>
public sealed class StatusAndTraceVerbTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("df-inspect-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string NbPath => Path.Combine(_dir, "nb.db");

    Task<(int ExitCode, string Stdout, string Stderr)> Cli(params string[] args) =>
        DragonflowCli.RunAsync([.. args, "--set", $"df.nb_db_path={NbPath}", "--set", "df.enable_df_pub_sub=false"]);

    static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    static double Seconds(DateTimeOffset t) => t.ToUnixTimeMilliseconds() / 1000.0;

    [Fact]
    public void Each_router_with_a_gateway_shows_its_gateway_chassis_the_active_one_or_why_there_is_none()
    {
        var up = new ControllerReport { OpenflowConnected = true };
        var ext = new LogicalSwitch { Id = "ext", PhysicalNetwork = "public" };
        var nb = NbSnapshot.Of(
        [
            ext,
            new Chassis { Id = "gw-1", Ip = "192.0.2.1", EnableChassisAsGateway = true, ExternalPhysicalNetworks = ["public"], LastSeenUp = Seconds(Now) - 1, ReportInterval = 10, Controller = up },
            new Chassis { Id = "gw-2", Ip = "192.0.2.2", EnableChassisAsGateway = true, ExternalPhysicalNetworks = ["public"], LastSeenUp = Seconds(Now) - 1, ReportInterval = 10, Controller = up },
            new LogicalRouter { Id = "r1", Name = "r1", ExternalGatewayInfo = new ExternalGatewayInfo { NetworkId = "ext" } },
            new LogicalRouter { Id = "r2", Name = "r2", ExternalGatewayInfo = new ExternalGatewayInfo { NetworkId = "elsewhere", EnableSnat = false } },
            new LogicalRouter { Id = "r3", Name = "no-gateway" },
        ]);
        var status = ClusterStatus.Compute(nb, Now);
        var r1 = status.Routers.Single(r => r.Id == "r1");
        Assert.Equal(GatewaySchedule.For((LogicalRouter)nb.Routers["r1"], ext, nb.Chassis.Values), r1.GatewayChassis);
        Assert.Equal(2, r1.GatewayChassis.Count);
        Assert.Equal(r1.GatewayChassis[0], r1.Active);
        Assert.Null(r1.Reason);
        // The external network of r2 is unknown, so it has no physical network: both gateways qualify; without SNAT it still uses one.
        Assert.False(status.Routers.Single(r => r.Id == "r2").Snat);
        Assert.DoesNotContain(status.Routers, r => r.Id == "r3");

        // The first gateway's switch is gone (its controller reports it): the next one is active.
        var first = nb.Chassis[r1.GatewayChassis[0]];
        first.Controller = new ControllerReport { OpenflowConnected = false };
        Assert.Equal(r1.GatewayChassis[1], ClusterStatus.Compute(nb, Now).Routers.Single(r => r.Id == "r1").Active);

        // No chassis offers itself for the router's physical network: the reason is shown.
        var none = NbSnapshot.Of([ext, new Chassis { Id = "compute", Ip = "192.0.2.9" }, nb.Routers["r1"]]);
        var lonely = Assert.Single(ClusterStatus.Compute(none, Now).Routers);
        Assert.Null(lonely.Active);
        Assert.Contains("no gateway chassis", lonely.Reason);
        Assert.Matches(@"(?m)^r1 \(r1\)\s+on\s+-\s+none: no gateway chassis: no chassis has enable_chassis_as_gateway and a bridge_mappings entry for public", ClusterStatus.Compute(none, Now).Render());
    }

    [Fact]
    public void A_chassis_is_up_within_three_of_its_intervals_down_after_and_unknown_if_it_never_reported()
    {
        var nb = NbSnapshot.Of(
        [
            new Chassis { Id = "fresh", Ip = "192.0.2.1", LastSeenUp = Seconds(Now) - 25, ReportInterval = 10, Controller = new ControllerReport { OvsdbConnected = true } },
            new Chassis { Id = "stale", Ip = "192.0.2.2", LastSeenUp = Seconds(Now) - 31, ReportInterval = 10 },
            new Chassis { Id = "slow", Ip = "192.0.2.3", LastSeenUp = Seconds(Now) - 100, ReportInterval = 60 },
            new Chassis { Id = "silent", Ip = "192.0.2.4" },
            new LogicalPort { Id = "p1", Lswitch = "n", Chassis = "stale", Status = "ACTIVE", Macs = ["fa:16:3e:00:00:01"] },
            new LogicalPort { Id = "p2", Lswitch = "n", Chassis = "gone", Status = "ACTIVE" },
            new LogicalPort { Id = "p3", Lswitch = "n", Status = "DOWN" },
            new Publisher { Id = "api", Uri = "tcp://127.0.0.1:8866", LastActivityTimestamp = Seconds(Now) - 4 },
        ]);
        var status = ClusterStatus.Compute(nb, Now);
        Assert.Equal(
            [("fresh", "up"), ("silent", "unknown"), ("slow", "up"), ("stale", "down"), ("gone", "unknown")],
            status.Chassis.Select(c => (c.Id, c.State)));
        Assert.Equal("p1", Assert.Single(status.Chassis.Single(c => c.Id == "stale").Ports).Id);
        Assert.Equal("p3", Assert.Single(status.UnboundPorts).Id);
        Assert.Equal(4, Assert.Single(status.Publishers).AgeSeconds, 3);

        var text = status.Render();
        Assert.Matches(@"(?m)^stale\s+p1\s.*ACTIVE \(chassis down\)$", text);
        Assert.Matches(@"(?m)^fresh\s+up\s+25s ago\s", text);
        Assert.Matches(@"(?m)^silent\s+unknown\s+never\s", text);
        var lines = text.Split('\n');
        Assert.Contains("reachable", lines.First(l => l.StartsWith("fresh ", StringComparison.Ordinal)));
        Assert.Contains("no heartbeat", lines.First(l => l.StartsWith("stale ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Status_and_a_logical_trace_run_against_the_configured_nb()
    {
        await TwoPortNb.CreateAsync(NbPath);

        var status = await Cli("status", "-f", "json");
        Assert.Equal(0, status.ExitCode);
        var chassis = Assert.Single(((JsonObject)JsonNode.Parse(status.Stdout)!)["chassis"]!.AsArray())!;
        Assert.Equal("up", (string?)chassis["state"]);
        Assert.Equal(["p1", "p2"], chassis["ports"]!.AsArray().Select(p => (string?)p!["id"]));

        var trace = await Cli("trace", "--from", "p1", "--to", "10.0.0.2", "--proto", "udp", "--dport", "53", "--logical-only");
        Assert.Equal(0, trace.ExitCode);
        Assert.Contains("port security disabled", trace.Stdout);
        Assert.EndsWith("verdict: delivered to port lport p2 on chassis compute-1", trace.Stdout.TrimEnd());

        var unknown = await Cli("trace", "--from", "nosuch", "--to", "10.0.0.2", "--logical-only");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no port 'nosuch'", unknown.Stderr);
        var badAddress = await Cli("trace", "--from", "p1", "--to", "10.0.0.300", "--logical-only");
        Assert.Equal(2, badAddress.ExitCode);
        var badProto = await Cli("trace", "--from", "p1", "--to", "10.0.0.2", "--proto", "tcpx", "--logical-only");
        Assert.Equal(2, badProto.ExitCode);
        var badRemote = await Cli("trace", "--from", "p1", "--to", "10.0.0.2", "--chassis-ovs", "compute-2");
        Assert.Equal(2, badRemote.ExitCode);
        Assert.Contains("NAME=OVSDB", badRemote.Stderr);
    }
}
