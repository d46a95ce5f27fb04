using System.Globalization;
using System.Text.RegularExpressions;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary>`dragonflow bench openflow` end to end: a real process that starts and stops its own OVS.</summary>
public sealed partial class BenchVerbTests
{
    [Fact]
    public async Task Bench_openflow_installs_every_flow_three_ways_and_leaves_no_ovs_behind()
    {
        var (exitCode, stdout, stderr) = await DragonflowCli.RunAsync(["bench", "openflow", "--flows", "2000"], TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var sandbox = SandboxLine().Match(lines[0]);
        Assert.True(sandbox.Success, stdout);

        var runs = lines.Skip(1).Select(l => RunLine().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(["dragonflow", "ovs-ofctl", "ovs-ofctl --bundle"], runs.Select(m => m.Groups["method"].Value));
        foreach (var run in runs)
        {
            Assert.Equal("2000", run.Groups["flows"].Value);
            Assert.Equal("2000", run.Groups["installed"].Value);
            Assert.True(double.Parse(run.Groups["rate"].Value, CultureInfo.InvariantCulture) > 0, run.Value);
        }

        var ratio = RatioLine().Match(lines[^1]);
        Assert.True(ratio.Success, stdout);
        // Same flow count, so the ratio is bundle time / our time; the printed times are rounded to whole ms.
        var ours = Milliseconds(runs[0]);
        var bundle = Milliseconds(runs[2]);
        var printed = double.Parse(ratio.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(printed, (bundle - 0.5) / (ours + 0.5) - 0.005, ours < 1 ? double.MaxValue : (bundle + 0.5) / (ours - 0.5) + 0.005);

        // The daemons it started are gone (a zombie awaiting its reaper counts as gone), and so is its run directory.
        foreach (var pidGroup in new[] { "ovsdb", "vswitchd" })
        {
            var pid = sandbox.Groups[pidGroup].Value;
            Assert.False(ProcessProbe.IsAlive(pid, "ovs"), $"pid {pid} ({pidGroup}) still runs after the bench exited");
        }
        Assert.False(Directory.Exists(sandbox.Groups["dir"].Value), $"{sandbox.Groups["dir"].Value} was left behind");
        Assert.False(Directory.Exists(Path.Combine("/sys/class/net", sandbox.Groups["bridge"].Value)), "the bridge's tap device was left behind");
        Assert.False(File.Exists(Path.Combine("/run/netns", sandbox.Groups["bridge"].Value)), "vswitchd's network namespace was left behind");
    }

    [Fact]
    public async Task Bench_openflow_rejects_a_flow_count_below_one()
    {
        var (exitCode, _, stderr) = await DragonflowCli.RunAsync(["bench", "openflow", "--flows", "0"]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("--flows must be at least 1", stderr);
    }

    static double Milliseconds(Match run) => double.Parse(run.Groups["ms"].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^sandbox: run_dir=(?<dir>\S+) ovsdb_server_pid=(?<ovsdb>\d+) ovs_vswitchd_pid=(?<vswitchd>\d+) bridge=(?<bridge>\S+)$")]
    private static partial Regex SandboxLine();

    [GeneratedRegex(@"^(?<method>[^:]+): (?<flows>\d+) flows in (?<ms>\d+) ms = (?<rate>\d+) flows/s \(installed (?<installed>\d+)\)$")]
    private static partial Regex RunLine();

    [GeneratedRegex(@"^ratio_vs_ofctl_bundle=(\d+\.\d\d)$")]
    private static partial Regex RatioLine();
}
