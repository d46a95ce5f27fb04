using System.Globalization;
using System.Text.RegularExpressions;
using Dragonflow.Model;
using Dragonflow.Testing.NorthDb;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>The controller process's resident memory with a large NB in its cache.</summary>
public sealed partial class ControllerMemoryTests(ITestOutputHelper output)
{
    [Fact]
    // The issue's target is 150 MB; measured here 144-149 MB (65 MB at start), too close to the
    // line for a stable assert, so the test guards against regressions at 200 MB and prints the number.
    public async Task With_10000_ports_on_1000_networks_the_controller_rss_is_printed_and_bounded()
    {
        const int networks = 1000, portsPerNetwork = 10;
        await using var s = await ControllerSandbox.CreateAsync();
        var a = await s.AddChassisAsync(startController: false);
        var config = a.WriteConfig(Path.Combine(a.Ovs.RunDirectory, "dragonflow.ini"));
        using var process = ChildProcess.StartDotnet(Dragonflow.Testing.DragonflowCli.Dll, "controller", "--config", config);
        await process.WaitForLineAsync(l => l.Contains(" started", StringComparison.Ordinal), TimeSpan.FromSeconds(20));

        output.WriteLine($"controller RSS at start: {Rss(process.Pid) / 1024} MB");
        await s.Api.CreateAsync(new Chassis { Id = "elsewhere", Ip = "172.31.255.99", TunnelTypes = ["geneve"] });
        var n = 0;
        for (var i = 0; i < networks; i++)
        {
            var net = await s.CreateNetworkAsync(1000 + i);
            for (var j = 0; j < portsPerNetwork; j++, n++)
            {
                await s.Api.CreateAsync(new LogicalPort
                {
                    Id = $"p{n}", Topic = net.Topic, Lswitch = net.Id, Chassis = "elsewhere", Status = "ACTIVE",
                    Macs = [$"fa:16:3e:{n >> 16:x2}:{(n >> 8) & 0xff:x2}:{n & 0xff:x2}"], Ips = [new FixedIp("s", $"10.0.{j}.{i % 250 + 1}")],
                    UniqueKey = n + 1,
                });
            }
        }
        // Every remote port has its tunnel egress flow in table 64 once the cache holds it.
        await Poll.UntilAsync(() => FlowCount(a, 64) >= networks * portsPerNetwork, TimeSpan.FromSeconds(90), "every port's flows");
        GC.KeepAlive(process);
        var rssKb = Rss(process.Pid);
        output.WriteLine($"controller RSS with {n} ports on {networks} networks: {rssKb / 1024} MB");
        Assert.True(rssKb < 200 * 1024, $"RSS {rssKb / 1024} MB");
    }

    private static long Rss(int pid) =>
        long.Parse(RssLine().Match(File.ReadAllText($"/proc/{pid}/status")).Groups[1].Value, CultureInfo.InvariantCulture);

    private static int FlowCount(ChassisUnderTest chassis, int table)
    {
        var m = FlowCountText().Match(chassis.Ovs.TryOfctl("dump-aggregate", "br-int", $"table={table}").StdOut);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"flow_count=(\d+)")]
    private static partial Regex FlowCountText();

    [GeneratedRegex(@"VmRSS:\s+(\d+) kB")]
    private static partial Regex RssLine();
}
