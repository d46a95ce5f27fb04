using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dragonflow.Cli.Sandbox;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary>
/// <c>dragonflow bench idle [--seconds 60] [--settle 30]</c>: what an idle controller and an idle
/// API server cost their host. Both run as processes, as deployed (sqlite NB, ZeroMQ pub/sub, the
/// controller on a private <see cref="SandboxSwitch"/>); a network, a subnet and two ports are
/// created through the API so that both have done real work; after the settle time nothing
/// happens, and CPU, wake-ups (context switches of all threads) and RSS are read from /proc at
/// the start and the end of the window. The last line is
/// <c>idle controller_cpu_pct=X server_cpu_pct=Y controller_rss_mb=Z</c>.
/// </summary>
static class IdleBench
{
    const double TargetCpuPercent = 0.2;
    const int BusiestThreadsShown = 4;

    public static Command Create()
    {
        var seconds = new Option<int>("--seconds") { Description = "Length of the idle window measured.", DefaultValueFactory = _ => 60 };
        var settle = new Option<int>("--settle") { Description = "Seconds left to the processes after the last write, before measuring.", DefaultValueFactory = _ => 30 };
        var command = new Command("idle", "CPU, wake-ups and RSS of an idle controller and an idle API server, each a process of its own.") { seconds, settle };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (window, rest) = (parse.GetValue(seconds), parse.GetValue(settle));
            if (window < 1 || rest < 0)
            {
                Console.Error.WriteLine("error: --seconds must be at least 1 and --settle at least 0");
                return ExitCodes.Usage;
            }
            return await SandboxRun.GuardAsync(() => RunAsync(TimeSpan.FromSeconds(window), TimeSpan.FromSeconds(rest), cancellationToken), cancellationToken);
        });
        return command;
    }

    static async Task<int> RunAsync(TimeSpan window, TimeSpan settle, CancellationToken ct)
    {
        await using var sandbox = await SandboxSwitch.StartAsync(ct);
        Console.WriteLine($"sandbox: run_dir={sandbox.RunDirectory} ovsdb_server_pid={sandbox.OvsdbPid} ovs_vswitchd_pid={sandbox.VswitchdPid} bridge={sandbox.Bridge}");
        var dir = Directory.CreateTempSubdirectory("dfidle-").FullName;
        try
        {
            var config = Path.Combine(dir, "dragonflow.ini");
            await File.WriteAllTextAsync(config, string.Join("\n",
                "[df]", "host = idle-chassis", "local_ip = 127.0.0.1", "tunnel_types = geneve",
                $"integration_bridge = {sandbox.Bridge}", "datapath_type = netdev", $"ovsdb_connection = unix:{sandbox.DbSocket}",
                $"of_listen = {sandbox.ControllerTarget}", "nb_db_class = sqlite", $"nb_db_path = {Path.Combine(dir, "nb.db")}",
                "pub_sub_driver = zmq", "publisher_bind_address = 127.0.0.1", "publisher_port = 0",
                "[api]", "bind = 127.0.0.1:0", ""), ct);

            await using var server = BenchChild.Start("server", "--config", config);
            var announced = await server.WaitForLineAsync(l => l.Contains("Neutron API on ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the API server's start", ct);
            var api = new Uri(announced[(announced.IndexOf("http", StringComparison.Ordinal))..].Split(',')[0].TrimEnd('/') + "/");
            await using var controller = BenchChild.Start("controller", "--config", config);
            Console.WriteLine($"server: pid={server.Pid} {api}  controller: pid={controller.Pid}");
            try
            {
                await MemoryBench.WaitForAsync(async () => await MemoryBench.FlowCountAsync(sandbox, 0, ct) >= 1, TimeSpan.FromSeconds(60), "the controller's first flows", ct);
            }
            catch (TimeoutException)
            {
                Console.Error.WriteLine($"--- controller output (tail) ---\n{controller.Tail()}\n--- ovs-vswitchd log (tail) ---\n{sandbox.VswitchdLogTail()}");
                throw;
            }

            await CreateTopologyAsync(api, ct);
            await Task.Delay(settle, ct);

            var (c0, s0) = (ProcessSample.Read(controller.Pid), ProcessSample.Read(server.Pid));
            await Task.Delay(window, ct);
            var (c1, s1) = (ProcessSample.Read(controller.Pid), ProcessSample.Read(server.Pid));

            Report("controller", c0, c1);
            Report("server", s0, s1);
            Console.WriteLine(ConvergenceBench.Line(
                $"idle controller_cpu_pct={c1.CpuPercentSince(c0):F3} server_cpu_pct={s1.CpuPercentSince(s0):F3} controller_rss_mb={c1.RssKb / 1024}"));
            return ExitCodes.Ok;
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"warning: {e.Message}");
            }
        }
    }

    static async Task CreateTopologyAsync(Uri api, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        async Task<string> CreateAsync(string collection, string member, JsonObject attrs)
        {
            using var reply = await http.PostAsJsonAsync($"v2.0/{collection}", new JsonObject { [member] = attrs }, ct);
            var text = await reply.Content.ReadAsStringAsync(ct);
            if (!reply.IsSuccessStatusCode) throw new TimeoutException($"POST {collection}: {(int)reply.StatusCode} {text}");
            return (string)JsonNode.Parse(text)![member]!["id"]!;
        }
        var net = await CreateAsync("networks", "network", new JsonObject { ["name"] = "idle" });
        await CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = net, ["cidr"] = "10.9.0.0/24", ["ip_version"] = 4 });
        for (var i = 0; i < 2; i++)
            await CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["name"] = $"idle-{i}" });
    }

    static void Report(string who, ProcessSample before, ProcessSample after)
    {
        var cpu = after.CpuPercentSince(before);
        var busiest = string.Join(", ", after.BusiestThreadsSince(before).Take(BusiestThreadsShown).Select(t => ConvergenceBench.Line($"{t.Thread}={t.PerSecond:F1}")));
        Console.WriteLine(ConvergenceBench.Line(
            $"{who}: cpu={cpu:F3}% of a core over {(after.Taken - before.Taken).TotalSeconds:F0} s (target <= {TargetCpuPercent}%: {(cpu <= TargetCpuPercent ? "met" : "MISSED")}) wakeups={after.WakeupsPerSecondSince(before):F1}/s rss={after.RssKb / 1024} MB"));
        Console.WriteLine($"{who}: wake-ups/s by thread: {busiest}");
    }
}
