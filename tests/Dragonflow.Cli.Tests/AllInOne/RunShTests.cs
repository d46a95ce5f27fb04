using System.Text.RegularExpressions;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests.AllInOne;

/// <summary>
/// <c>./run.sh</c>, the README's main command, from a fresh clone: the sandbox comes up, the
/// demo is printed and its ping matrix is what the topology and the apps of this build imply,
/// and afterwards nothing it started is left (no process, no namespace) — after <c>--once</c>,
/// after Ctrl-C, and after <c>kill -9</c> followed by <c>--down</c>.
/// </summary>
[Collection(RunShCollection.Name)]
public sealed partial class RunShTests(RunShCheckout checkout)
{
    private const int ApiPort = 9696;
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public void Once_sets_up_the_demo_prints_it_checks_the_ping_matrix_and_leaves_nothing()
    {
        RequireFreeApiPort();
        var run = checkout.Run(UpTimeout, "--once");
        var output = run.StdOut + run.StdErr;
        Assert.True(run.Succeeded, run.ToString());
        var token = Token(output);

        Assert.Contains("run.sh --once: everything as expected", output);
        foreach (var name in new[] { "demo-blue", "demo-red", "demo-vlan", "public", "demo-router", "demo-open", "demo-blue-only", "172.24.4.0/24" })
            Assert.Contains(name, output);

        // Each VM leased the address of its Neutron port on its network, with the router as gateway.
        var leases = LeaseLine().Matches(output).ToDictionary(m => m.Groups["vm"].Value, m => m.Groups["ip"].Value);
        Assert.Equal(["vm1", "vm2", "vm3", "vm4", "vm5", "vm6"], leases.Keys.Order());
        Assert.StartsWith("10.10.1.", leases["vm1"]);
        Assert.StartsWith("10.10.1.", leases["vm2"]);
        Assert.StartsWith("10.10.2.", leases["vm3"]);
        Assert.StartsWith("10.10.2.", leases["vm4"]);
        Assert.StartsWith("10.10.3.", leases["vm5"]); // demo-vlan: DHCP on a VLAN network
        Assert.StartsWith("10.10.3.", leases["vm6"]);

        // The matrix, checked here independently of run.sh's own verdict: l2, l3, tunnels and the
        // VLAN (vm5, vm6 on demo-vlan) connect every pair; vm4's group admits ICMP only from
        // demo-blue, which blocks vm3, vm5 and vm6 once the sg app runs; the floating IP answers
        // once the dnat app runs.
        var apps = AppsLine().Match(output);
        Assert.True(apps.Success, output);
        var running = apps.Groups["apps"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var matrix = Matrix(output);
        string[] vms = ["vm1", "vm2", "vm3", "vm4", "vm5", "vm6"];
        foreach (var src in vms)
        {
            foreach (var dst in vms.Where(d => d != src))
            {
                var expected = src is not ("vm1" or "vm2") && dst == "vm4" && running.Contains("sg") ? "no*" : "ok";
                Assert.True(matrix[src][dst] == expected, $"{src} -> {dst}: {matrix[src][dst]}, expected {expected}\n{output}");
            }
        }
        var fip = running.Contains("dnat") ? "ok" : "no*";
        Assert.True(matrix["external"]["fip"] == fip, $"external -> floating IP: {matrix["external"]["fip"]}, expected {fip}\n{output}");
        Assert.DoesNotContain("!", string.Concat(matrix.Values.SelectMany(r => r.Values)));
        // vm3 has no floating IP and sits on chassis-1; chassis-2 is the gateway chassis that SNATs it.
        var snat = running.Contains("snat") ? "ok" : "no*";
        Assert.Matches(@"(?m)^\s+vm3\s+-> outside 172\.24\.4\.1 \(no floating IP: SNAT on the gateway chassis\): " + Regex.Escape(snat) + "$", output);

        AssertNothingLeft(token, output);
    }

    [Fact]
    public void Ctrl_c_stops_the_running_demo_and_removes_everything()
    {
        RequireFreeApiPort();
        using var run = checkout.Start();
        run.WaitFor("Running. Ctrl-C stops it", UpTimeout);
        var token = Token(run.Output);
        Assert.NotEmpty(RunShCheckout.Namespaces(token));
        Assert.NotEmpty(checkout.LiveProcesses());

        var exit = run.Signal("INT", TimeSpan.FromSeconds(60));

        Assert.True(exit == 130, $"exit {exit}\n{run.Output}");
        Assert.Contains("Removing everything this run created", run.Output);
        AssertNothingLeft(token, run.Output);
    }

    [Fact]
    public void Down_after_kill_9_removes_what_the_crashed_run_left()
    {
        RequireFreeApiPort();
        using var run = checkout.Start();
        run.WaitFor("Running. Ctrl-C stops it", UpTimeout);
        var token = Token(run.Output);

        run.Signal("KILL", TimeSpan.FromSeconds(30));
        // The crash leaves the server, the controllers, OVS and the namespaces behind.
        Assert.NotEmpty(checkout.LiveProcesses());
        Assert.NotEmpty(RunShCheckout.Namespaces(token));
        Assert.True(RunShCheckout.PortInUse(ApiPort), "the orphaned API server should still listen");

        var down = checkout.Run(TimeSpan.FromMinutes(2), "--down");

        Assert.True(down.Succeeded, down.ToString());
        Assert.Contains("run.sh: cleaned up", down.StdOut);
        AssertNothingLeft(token, run.Output + down.StdOut);
    }

    private void AssertNothingLeft(string token, string output)
    {
        var processes = checkout.LiveProcesses();
        Assert.True(processes.Count == 0, "processes left:\n" + string.Join('\n', processes) + "\n" + output);
        var namespaces = RunShCheckout.Namespaces(token);
        Assert.True(namespaces.Count == 0, "left: " + string.Join(", ", namespaces) + "\n" + output);
        Assert.False(RunShCheckout.PortInUse(ApiPort), $"port {ApiPort} still in use\n{output}");
        Assert.False(File.Exists(Path.Combine(checkout.Directory, "var", "run", "state")), "state file left\n" + output);
    }

    private static void RequireFreeApiPort()
    {
        if (RunShCheckout.PortInUse(ApiPort))
            Assert.Fail($"port {ApiPort} is in use on this machine; ./run.sh needs it for the Neutron API (stop what listens there: ss -ltnp 'sport = :{ApiPort}')");
    }

    /// <summary>The run's random name prefix, from "namespaces df-XXXXc1, df-XXXXc2, df-XXXXx".</summary>
    private static string Token(string output)
    {
        var m = NamespacesLine().Match(output);
        Assert.True(m.Success, "no namespaces line in the output:\n" + output);
        return m.Groups["token"].Value;
    }

    /// <summary>The ping matrix rows: source -> (destination -> cell), "fip" for the floating IP column.</summary>
    private static Dictionary<string, Dictionary<string, string>> Matrix(string output)
    {
        var lines = output.Split('\n');
        var header = Array.FindIndex(lines, l => l.TrimStart().StartsWith(@"from \ to", StringComparison.Ordinal));
        Assert.True(header >= 0, "no ping matrix in the output:\n" + output);
        var columns = new[] { "vm1", "vm2", "vm3", "vm4", "vm5", "vm6", "fip" };
        var rows = new Dictionary<string, Dictionary<string, string>>();
        foreach (var line in lines.Skip(header + 1).Take(columns.Length))
        {
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var source = cells[0];
            var values = cells.Skip(1).ToArray();
            // A VM's row has a cell per VM ("." for itself); the external row has dots for the VMs and one for the floating IP.
            rows[source] = source == "external"
                ? new() { ["fip"] = values[^1] }
                : columns.SkipLast(1).Select((c, i) => (c, values[i])).ToDictionary(x => x.c, x => x.Item2);
        }
        Assert.Equal(["external", "vm1", "vm2", "vm3", "vm4", "vm5", "vm6"], rows.Keys.Order());
        return rows;
    }

    [GeneratedRegex(@"namespaces (?<token>df-[0-9a-f]{4})c1, ")]
    private static partial Regex NamespacesLine();

    [GeneratedRegex(@"^\s+(?<vm>vm\d)\s+(?<ip>10\.10\.[123]\.\d+)/24\s+10\.10\.[123]\.1\s", RegexOptions.Multiline)]
    private static partial Regex LeaseLine();

    [GeneratedRegex(@"apps that run: (?<apps>[a-z0-9_ ]+)")]
    private static partial Regex AppsLine();
}

/// <summary>The run.sh tests share one clone (built once) and must not overlap: each needs port 9696.</summary>
[CollectionDefinition(Name)]
public sealed class RunShCollection : ICollectionFixture<RunShCheckout>
{
    public const string Name = "run.sh";
}
