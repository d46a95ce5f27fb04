using System.Globalization;
using System.Text.RegularExpressions;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary>
/// `dragonflow bench idle` end to end, with a short window: a server and a controller process
/// start, are measured from /proc, and are gone with their sandbox afterwards. The figures are
/// checked for sense, not against their targets (this machine may be busy with other tests).
/// </summary>
public sealed partial class IdleBenchTests
{
    [Fact]
    public async Task Bench_idle_measures_both_processes_and_leaves_nothing_running()
    {
        var (exitCode, stdout, stderr) = await DragonflowCli.RunAsync(["bench", "idle", "--seconds", "3", "--settle", "0"], TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var pids = PidsLine().Match(stdout);
        Assert.True(pids.Success, stdout);
        foreach (var who in new[] { "controller", "server" })
        {
            var figures = FiguresLine().Matches(stdout).Single(m => m.Groups["who"].Value == who);
            Assert.InRange(Number(figures, "cpu"), 0, 100 * Environment.ProcessorCount);
            Assert.True(Number(figures, "wakeups") > 0, figures.Value); // a live .NET process has timers
            Assert.InRange(Number(figures, "rss"), 10, 1000);
        }

        var last = LastLine().Match(lines[^1]);
        Assert.True(last.Success, stdout);
        var controller = FiguresLine().Matches(stdout).Single(m => m.Groups["who"].Value == "controller");
        Assert.Equal(Number(controller, "cpu"), double.Parse(last.Groups["controller"].Value, CultureInfo.InvariantCulture), 3);

        foreach (var group in new[] { "server", "controller" })
        {
            var pid = pids.Groups[group].Value;
            Assert.False(ProcessProbe.IsAlive(pid, "dotnet") || ProcessProbe.IsAlive(pid, "dragonflow"), $"{group} pid {pid} still runs after the bench exited");
        }
    }

    [Fact]
    public async Task Bench_idle_refuses_an_empty_window()
    {
        var (exitCode, _, stderr) = await DragonflowCli.RunAsync(["bench", "idle", "--seconds", "0"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("--seconds must be at least 1", stderr);
    }

    static double Number(Match m, string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"server: pid=(?<server>\d+) \S+  controller: pid=(?<controller>\d+)")]
    private static partial Regex PidsLine();

    [GeneratedRegex(@"(?m)^(?<who>controller|server): cpu=(?<cpu>[\d.]+)% of a core over \d+ s \(target <= 0\.2%: (met|MISSED)\) wakeups=(?<wakeups>[\d.]+)/s rss=(?<rss>\d+) MB$")]
    private static partial Regex FiguresLine();

    [GeneratedRegex(@"^idle controller_cpu_pct=(?<controller>[\d.]+) server_cpu_pct=[\d.]+ controller_rss_mb=\d+$")]
    private static partial Regex LastLine();
}
