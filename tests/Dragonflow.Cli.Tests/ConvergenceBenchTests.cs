using System.Globalization;
using System.Text.RegularExpressions;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary>`dragonflow bench convergence` end to end with tiny sizes: output shape, both shapes, and nothing left behind (no timing asserted).</summary>
public sealed partial class ConvergenceBenchTests
{
    [Fact]
    public async Task Bench_convergence_prints_p50_and_p99_per_port_count_and_leaves_no_ovs_behind()
    {
        var (exitCode, stdout, stderr) = await DragonflowCli.RunAsync(
            ["bench", "convergence", "--ports", "5,30", "--samples", "8", "--restart", "--local-ports", "20"], TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var sandboxes = lines.Select(l => SandboxLine().Match(l)).Where(m => m.Success).ToList();
        var runs = lines.Select(l => RunLine().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(2, sandboxes.Count);
        var nbDirs = lines.Where(l => l.StartsWith("nb: dir=", StringComparison.Ordinal)).Select(l => l["nb: dir=".Length..]).ToList();
        Assert.Equal(2, nbDirs.Count);
        Assert.All(nbDirs, d => Assert.False(Directory.Exists(d), $"{d} was left behind"));
        Assert.Equal(["5", "30"], runs.Select(r => r.Groups["ports"].Value));
        // The production shape: a controller process apart, two clocks, and the flows a port added.
        var shaped = lines.Select(l => ShapedLine().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(["5", "30"], shaped.Select(r => r.Groups["ports"].Value));
        foreach (var run in shaped)
        {
            Assert.Equal("8", run.Groups["samples"].Value);
            Assert.True(Ms(run, "ap50") > 0 && Ms(run, "ap50") <= Ms(run, "ap99"), run.Value);
            Assert.True(Ms(run, "fp50") > 0 && Ms(run, "fp50") <= Ms(run, "fp99"), run.Value);
            Assert.True(Ms(run, "flows") >= 1, run.Value);
        }
        // Which app wrote them: the per-app figures add up to the total.
        var byApp = lines.Where(l => l.StartsWith("flows_per_port by app: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, byApp.Count);
        foreach (var (line, run) in byApp.Zip(shaped))
        {
            var perApp = line["flows_per_port by app: ".Length..].Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
            Assert.Contains("l2", perApp.Keys);
            Assert.Equal(Ms(run, "flows"), perApp.Values.Sum(), 0.05 * perApp.Count + 0.05);
            // The pipeline page's offline count is what the real switch got.
            var offline = Dragonflow.Cli.Inspection.PortFlowCount.ForNewPort(Dragonflow.Configuration.OptionCatalog.DefaultAppsList);
            Assert.Equal(offline.ToDictionary(f => f.App, f => (double)f.Flows), perApp);
        }
        var controllers = lines.Select(l => ControllerProcessLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, controllers.Count);
        Assert.All(controllers, pid => Assert.False(ProcessProbe.IsAlive(pid, "dotnet") || ProcessProbe.IsAlive(pid, "dragonflow"), $"controller pid {pid} still runs"));

        foreach (var run in runs)
        {
            Assert.Equal("8", run.Groups["samples"].Value);
            var p50 = Ms(run, "p50");
            var p99 = Ms(run, "p99");
            Assert.True(p50 > 0 && p50 <= p99 && p99 <= Ms(run, "max"), run.Value);
        }
        // The restart (after the largest run): the switch ends with the flows it had, none of the old generation.
        // Twice: with aging (every flow re-stamped) and without (identical flows keep their generation).
        var restarts = lines.Select(l => RestartLine().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(["aging", "aging off"], restarts.Select(r => r.Groups["mode"].Value));
        foreach (var restart in restarts)
        {
            Assert.Equal("50", restart.Groups["ports"].Value);
            Assert.Equal(restart.Groups["before"].Value, restart.Groups["after"].Value);
            Assert.Equal("yes", restart.Groups["same"].Value);
        }
        Assert.Equal("0", restarts[0].Groups["old"].Value);
        Assert.Contains(lines, l => l.StartsWith("target restart reconciled <= 1000 ms (aging): ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("target active p50 <= 2 ms at 30 ports: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("target active p99 <= 5 ms at 30 ports: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("p50 growth 5 -> 30 ports: ", StringComparison.Ordinal));

        foreach (var sandbox in sandboxes)
        {
            foreach (var pidGroup in new[] { "ovsdb", "vswitchd" })
                Assert.False(ProcessProbe.IsAlive(sandbox.Groups[pidGroup].Value, "ovs"), $"{pidGroup} pid {sandbox.Groups[pidGroup].Value} still runs");
            Assert.False(Directory.Exists(sandbox.Groups["dir"].Value), $"{sandbox.Groups["dir"].Value} was left behind");
            Assert.False(Directory.Exists(Path.Combine("/sys/class/net", sandbox.Groups["bridge"].Value)), "the bridge's tap device was left behind");
            Assert.False(File.Exists(Path.Combine("/run/netns", sandbox.Groups["bridge"].Value)), "vswitchd's network namespace was left behind");
        }
    }

    [Fact]
    public async Task Bench_convergence_rejects_a_bad_port_list()
    {
        var (exitCode, _, stderr) = await DragonflowCli.RunAsync(["bench", "convergence", "--ports", "10,x"]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("--ports takes counts", stderr);
    }

    static double Ms(Match run, string group) => double.Parse(run.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^sandbox: run_dir=(?<dir>\S+) ovsdb_server_pid=(?<ovsdb>\d+) ovs_vswitchd_pid=(?<vswitchd>\d+) bridge=(?<bridge>\S+)$")]
    private static partial Regex SandboxLine();

    [GeneratedRegex(@"^ports_in_nb=(?<ports>\d+) samples=(?<samples>\d+) active p50=(?<ap50>\d+\.\d\d) ms p99=(?<ap99>\d+\.\d\d) ms flow_seen p50=(?<fp50>\d+\.\d\d) ms p99=(?<fp99>\d+\.\d\d) ms flows_per_port=(?<flows>\d+\.\d)$")]
    private static partial Regex ShapedLine();

    [GeneratedRegex(@"^controller process: pid=(\d+)$")]
    private static partial Regex ControllerProcessLine();

    [GeneratedRegex(@"^in_process ports_in_nb=(?<ports>\d+) samples=(?<samples>\d+) p50=(?<p50>\d+\.\d\d) ms p99=(?<p99>\d+\.\d\d) ms max=(?<max>\d+\.\d\d) ms \(nb fill \d+ ms, controller start \d+ ms\)$")]
    private static partial Regex RunLine();

    [GeneratedRegex(@"^restart \((?<mode>[a-z ]+)\): ports_in_nb=(?<ports>\d+) local_ports=20 flows=(?<before>\d+) reconciled=\d+ ms \(.*\) after: flows=(?<after>\d+) same_flows=(?<same>\w+) old_generation=(?<old>\d+)$")]
    private static partial Regex RestartLine();
}
