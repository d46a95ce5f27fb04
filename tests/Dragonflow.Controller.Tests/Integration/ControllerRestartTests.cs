using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dragonflow.Controller.Flows;
using Dragonflow.Testing;
using Dragonflow.Testing.NorthDb;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>The controller as a process (<c>dragonflow controller --config</c>), killed and restarted under traffic.</summary>
public sealed partial class ControllerRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigkill_of_the_controller_during_a_ping_loses_no_packet_and_the_restart_leaves_one_generation()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        var a = await s.AddChassisAsync(startController: false);
        var b = await s.AddChassisAsync();
        var config = a.WriteConfig(Path.Combine(a.Ovs.RunDirectory, "dragonflow.ini"));
        var process = StartController(config);
        try
        {
            var net = await s.CreateNetworkAsync(100);
            var p1 = await s.CreatePortAsync(net, "fa:16:3e:00:00:01", "10.0.0.1");
            var p2 = await s.CreatePortAsync(net, "fa:16:3e:00:00:02", "10.0.0.2");
            var vm1 = s.Plug(a, p1);
            var vm2 = s.Plug(b, p2);
            await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
            await s.WaitForStatusAsync(p2.Id, "ACTIVE", b.Host);
            Assert.True(vm1.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)));
            await Poll.UntilAsync(() => Flows(a).Count >= 18, TimeSpan.FromSeconds(10), "all flows on A");
            await a.WaitForSettledFlowsAsync();
            var before = Flows(a);
            var oldGeneration = before.Select(f => f.Generation).Distinct().Single();

            // 1000 pings, 20 ms apart (20 s: long enough that the kill, the restart and the reconcile fall
            // inside it on a busy machine too). -w makes ping wait for every reply (up to 60 s) rather than
            // give up on a late one shortly after the last send.
            using var ping = RunningProgram.Start(vm1.Name, "ping", "-i", "0.02", "-c", "1000", "-w", "60", "10.0.0.2");
            await ping.WaitForLineAsync(l => l.Contains("bytes from", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "first ping reply");
            // The controller dies while the ping runs, and comes back.
            await Task.Delay(300);
            process.Dispose(); // SIGKILL
            await Task.Delay(300);
            var restart = Stopwatch.StartNew();
            process = StartController(config);
            await Poll.UntilAsync(() => Flows(a) is var now && now.Count == before.Count && now.All(f => f.Generation > oldGeneration),
                TimeSpan.FromSeconds(30), "flows of a new generation only");
            Assert.False(ping.HasExited, "the ping ended before the restarted controller had reconciled:\n" + ping.Output);
            output.WriteLine($"reconciled {restart.ElapsedMilliseconds} ms after the restart began (process start included)");

            var after = Flows(a);
            Assert.Single(after.Select(f => f.Generation).Distinct());
            Assert.Equal(before.Select(f => f.Flow).Order(), after.Select(f => f.Flow).Order());
            Assert.Equal(after.Count, after.Select(f => f.Flow).Distinct().Count());

            var (_, stdout) = await ping.WaitForExitAsync(TimeSpan.FromSeconds(90));
            var m = PingSummary().Match(stdout);
            Assert.True(m.Success, stdout);
            output.WriteLine(m.Value);
            Assert.Equal("1000", m.Groups[1].Value);
            Assert.Equal("1000", m.Groups[2].Value);
        }
        finally
        {
            output.WriteLine(process.StandardError);
            process.Dispose();
        }
    }

    private static ChildProcess StartController(string config)
    {
        var process = ChildProcess.StartDotnet(DragonflowCli.Dll, "controller", "--config", config);
        try
        {
            process.WaitForLineAsync(l => l.Contains(" started", StringComparison.Ordinal), TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
        }
        catch
        {
            process.Dispose();
            throw;
        }
        return process;
    }

    /// <summary>br-int's flows without counters: (flow text, generation from the cookie).</summary>
    private static List<(string Flow, uint Generation)> Flows(ChassisUnderTest chassis)
    {
        var result = new List<(string, uint)>();
        foreach (var line in chassis.Ovs.TryOfctl("dump-flows", "br-int").StdOut.Split('\n'))
        {
            var cookie = Cookie().Match(line);
            if (!cookie.Success) continue;
            var generation = FlowCookie.Generation(ulong.Parse(cookie.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            result.Add((Counters().Replace(line, "").Trim(), generation));
        }
        return result;
    }

    [GeneratedRegex(@"cookie=0x([0-9a-f]+)")]
    private static partial Regex Cookie();

    [GeneratedRegex(@"(cookie|duration|n_packets|n_bytes|idle_age|hard_age)=[^,\s]+,?\s?")]
    private static partial Regex Counters();

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) (?:packets )?received")]
    private static partial Regex PingSummary();
}
