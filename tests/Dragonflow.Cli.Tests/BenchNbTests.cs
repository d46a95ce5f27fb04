using System.Globalization;
using System.Text.RegularExpressions;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary>`dragonflow bench nb` end to end: a real process that starts and stops its own etcd, redis and ZooKeeper.</summary>
public sealed partial class BenchNbTests
{
    static readonly string[] Drivers = ["sqlite", "etcd", "redis", "zookeeper"];
    static readonly string[] Operations = ["create", "get", "update", "list"];

    [Fact]
    public async Task Bench_nb_measures_every_driver_and_operation_and_leaves_no_server_behind()
    {
        var (exitCode, stdout, stderr) = await DragonflowCli.RunAsync(["bench", "nb", "--driver", "all", "--objects", "100"], TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");

        var backends = BackendLine().Matches(stdout);
        Assert.Equal(["etcd", "redis", "zookeeper"], backends.Select(m => m.Groups["driver"].Value));

        var rows = RowLine().Matches(stdout).ToDictionary(m => (m.Groups["driver"].Value, m.Groups["op"].Value));
        foreach (var driver in Drivers)
        {
            foreach (var op in Operations)
            {
                Assert.True(rows.TryGetValue((driver, op), out var row), $"no {driver} {op} row\n{stdout}");
                Assert.Equal(op == "list" ? "10" : "100", row.Groups["count"].Value);
                Assert.True(double.Parse(row.Groups["rate"].Value, CultureInfo.InvariantCulture) > 0, row.Value);
                var p50 = double.Parse(row.Groups["p50"].Value, CultureInfo.InvariantCulture);
                var p99 = double.Parse(row.Groups["p99"].Value, CultureInfo.InvariantCulture);
                Assert.True(p50 <= p99, row.Value);
            }
        }

        foreach (Match backend in backends)
        {
            var pid = backend.Groups["pid"].Value;
            Assert.False(ProcessProbe.IsAlive(pid), $"{backend.Groups["driver"].Value} server pid {pid} still runs after the bench exited");
            Assert.False(Directory.Exists(backend.Groups["dir"].Value), $"{backend.Groups["dir"].Value} was left behind");
        }
    }

    [Fact]
    public async Task Bench_nb_rejects_an_unknown_driver()
    {
        var (exitCode, _, stderr) = await DragonflowCli.RunAsync(["bench", "nb", "--driver", "mysql"]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("mysql", stderr);
    }

    [GeneratedRegex(@"^backend: driver=(?<driver>\S+) pid=(?<pid>\d+) endpoint=\S+ dir=(?<dir>\S+)$", RegexOptions.Multiline)]
    private static partial Regex BackendLine();

    [GeneratedRegex(@"^(?<driver>sqlite|etcd|redis|zookeeper)\s+(?<op>create|get|update|list)\s+(?<count>\d+)\s+(?<rate>[\d.]+)\s+(?<p50>[\d.]+)\s+(?<p99>[\d.]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RowLine();
}
