using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dragonflow.Cli.Sandbox;
using Dragonflow.Controller.Hosting;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary>
/// <c>dragonflow bench convergence [--ports 100,1000,10000] [--samples 200]</c>: port-up latency
/// of the local controller. For each N: a private <see cref="SandboxSwitch"/>, a temporary sqlite
/// NB with ZeroMQ pub/sub, N ports of one network bound to fake remote chassis (tunnel endpoints
/// on loopback; no packet is sent). Per sample an interface with a new iface-id is plugged (a
/// patch port pair: an ofport, no kernel device) and its port written to NB. First in the
/// production shape (<see cref="ProcessConvergence"/>: a separate controller process, the figures
/// the targets are for), then with a <see cref="LocalController"/> inside this process, timed
/// until its barrier acknowledged the port's flows (<see cref="LocalController.PortFlowsInstalled"/>;
/// the line labelled in_process).
/// </summary>
static class ConvergenceBench
{
    const double P50Target = 2, P99Target = 5;
    const int RemoteChassis = 3;
    static readonly TimeSpan SampleTimeout = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var ports = new Option<string>("--ports")
        {
            Description = "Comma-separated counts of ports already in NB, one run each.",
            DefaultValueFactory = _ => "100,1000,10000",
        };
        var samples = new Option<int>("--samples") { Description = "New ports timed per run.", DefaultValueFactory = _ => 200 };
        var restart = new Option<bool>("--restart")
        {
            Description = "After the largest run: plug --local-ports local ports, restart the controller and time until the switch is reconciled.",
        };
        var localPorts = new Option<int>("--local-ports") { Description = "Local ports for --restart.", DefaultValueFactory = _ => 1000 };
        var command = new Command("convergence",
            "Port-up latency of the local controller (NB write -> flows acknowledged by barrier) with N ports in NB; p50/p99 per N.")
        {
            ports, samples, restart, localPorts,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var counts = ParseCounts(parse.GetValue(ports)!);
            var n = parse.GetValue(samples);
            var local = parse.GetValue(restart) ? parse.GetValue(localPorts) : 0;
            if (counts is null || n < 1 || local < 0)
            {
                Console.Error.WriteLine("error: --ports takes counts >= 0 separated by commas, --samples must be at least 1");
                return ExitCodes.Usage;
            }
            var results = new List<(int Ports, double P50, double P99)>();
            var failed = await SandboxRun.GuardAsync(async () =>
            {
                foreach (var count in counts)
                {
                    var r = await RunAsync(count, n, count == counts.Max() ? local : 0, cancellationToken);
                    results.Add((count, r.P50, r.P99));
                }
                return 0;
            }, cancellationToken);
            if (failed != 0) return failed;
            var largest = results.MaxBy(r => r.Ports);
            var smallest = results.MinBy(r => r.Ports);
            Console.WriteLine(Line($"target active p50 <= {P50Target} ms at {largest.Ports} ports: {Verdict(largest.P50 <= P50Target)}"));
            Console.WriteLine(Line($"target active p99 <= {P99Target} ms at {largest.Ports} ports: {Verdict(largest.P99 <= P99Target)}"));
            // "Not growing": within 1 ms or 50% of the smallest run's p50 (the noise of a 2-core box).
            var flat = largest.P50 <= Math.Max(smallest.P50 * 1.5, smallest.P50 + 1);
            Console.WriteLine(Line($"p50 growth {smallest.Ports} -> {largest.Ports} ports: {smallest.P50:F2} -> {largest.P50:F2} ms: {Verdict(flat)}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    static List<int>? ParseCounts(string text)
    {
        var counts = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var c)) return null;
            counts.Add(c);
        }
        return counts.Count == 0 ? null : counts;
    }

    static async Task<(double P50, double P99)> RunAsync(int existing, int samples, int restartLocal, CancellationToken ct)
    {
        await using var sandbox = await SandboxSwitch.StartAsync(ct);
        Console.WriteLine($"sandbox: run_dir={sandbox.RunDirectory} ovsdb_server_pid={sandbox.OvsdbPid} ovs_vswitchd_pid={sandbox.VswitchdPid} bridge={sandbox.Bridge}");
        var nbDir = Directory.CreateTempSubdirectory("dfconv-nb-").FullName;
        Console.WriteLine($"nb: dir={nbDir}");
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
            .AddFilter((c, level) => level >= LogLevel.Warning || (Environment.GetEnvironmentVariable("DF_BENCH_DEBUG") == "1" && level >= LogLevel.Information)));
        try
        {
            var nb = new NbOptions
            {
                NbDbPath = Path.Combine(nbDir, "nb.db"),
                PublisherPort = 0,
                PublisherBindAddress = "127.0.0.1",
                SubscriberPollInterval = TimeSpan.FromMilliseconds(200),
                PublisherRefreshInterval = TimeSpan.FromSeconds(2),
            };
            using var api = await NbFactory.OpenAsync(nb, publish: true, loggerFactory, ct);
            var fill = Stopwatch.StartNew();
            var net = await FillAsync(api, existing, ct);
            var filled = fill.ElapsedMilliseconds;

            var options = new ControllerOptions
            {
                Host = "bench-chassis",
                LocalIp = "127.0.0.1",
                IntegrationBridge = sandbox.Bridge,
                DatapathType = "netdev",
                OvsdbConnection = "unix:" + sandbox.DbSocket,
                OfListen = sandbox.ControllerTarget,
                Nb = nb,
            };
            var shaped = await ProcessConvergence.RunAsync(sandbox, nb, api, net, samples, loggerFactory, SampleTimeout, ct);
            Console.WriteLine(Line($"ports_in_nb={existing} samples={samples} active p50={shaped.ActiveP50:F2} ms p99={shaped.ActiveP99:F2} ms flow_seen p50={shaped.FlowP50:F2} ms p99={shaped.FlowP99:F2} ms flows_per_port={shaped.FlowsPerPort:F1}"));
            Console.WriteLine("flows_per_port by app: " + string.Join(" ", shaped.FlowsPerPortByApp.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => Line($"{kv.Key}={kv.Value:F1}"))));

            var start = Stopwatch.StartNew();
            var controller = await LocalController.StartAsync(options, loggerFactory, ct);
            var started = start.ElapsedMilliseconds;
            var slot = new ControllerSlot { Current = controller };
            try
            {
                // Warm-up ports (not counted) also wait out the subscriber's connect to the publisher.
                var latencies = new List<double>();
                for (var i = 0; i < samples + 5; i++)
                {
                    var ms = await PortUpAsync(sandbox, api, controller, net, i, i < 5 ? TimeSpan.FromSeconds(30) : SampleTimeout, ct);
                    if (i >= 5) latencies.Add(ms);
                }
                latencies.Sort();
                var p50 = latencies[latencies.Count / 2];
                var p99 = latencies[(int)Math.Ceiling(latencies.Count * 0.99) - 1];
                Console.WriteLine(Line($"in_process ports_in_nb={existing} samples={samples} p50={p50:F2} ms p99={p99:F2} ms max={latencies[^1]:F2} ms (nb fill {filled} ms, controller start {started} ms)"));
                if (restartLocal > 0)
                    await RestartBench.RunAsync(sandbox, api, slot, options, loggerFactory, net, existing, samples + 5, restartLocal, ct);
                return (shaped.ActiveP50, shaped.ActiveP99);
            }
            finally
            {
                if (slot.Current is { } c) await c.DisposeAsync();
            }
        }
        finally
        {
            try
            {
                Directory.Delete(nbDir, recursive: true);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"warning: {e.Message}");
            }
        }
    }

    /// <summary>Remote chassis, one network and <paramref name="count"/> ports spread over the remote chassis.</summary>
    static async Task<LogicalSwitch> FillAsync(NbApi api, int count, CancellationToken ct)
    {
        for (var c = 0; c < RemoteChassis; c++)
            await api.CreateAsync(new Chassis { Id = $"remote-{c}", Ip = $"127.0.1.{c + 1}", TunnelTypes = ["geneve"] }, ct);
        var net = await api.CreateAsync(new LogicalSwitch
        {
            Id = "bench-net", Topic = "bench", NetworkType = "geneve", SegmentationId = 100,
            UniqueKey = await api.AllocateUniqueKeyAsync<LogicalSwitch>(ct),
        }, ct);
        await api.CreateAsync(new LogicalSubnet { Id = "bench-sub", Topic = net.Topic, Lswitch = net.Id, Cidr = "10.0.0.0/8" }, ct);
        for (var i = 0; i < count; i++)
        {
            var chassis = $"remote-{i % RemoteChassis}";
            await api.CreateAsync(new LogicalPort
            {
                Id = $"existing-{i}", Topic = net.Topic, Lswitch = net.Id, Chassis = chassis, BindingHostId = chassis, Status = PortStatuses.Active,
                Macs = [$"fa:16:3e:10:{i >> 8 & 0xff:x2}:{i & 0xff:x2}"], Ips = [new FixedIp("bench-sub", $"10.1.{i >> 8 & 0xff}.{i & 0xff}")],
                UniqueKey = await api.AllocateUniqueKeyAsync<LogicalPort>(ct),
            }, ct);
        }
        return net;
    }

    /// <summary>Plugs an interface for a new port, writes the port, returns ms until its flows were acknowledged.</summary>
    internal static async Task<double> PortUpAsync(SandboxSwitch sandbox, NbApi api, LocalController controller, LogicalSwitch net, int i,
        TimeSpan timeout, CancellationToken ct)
    {
        var id = $"new-{i}";
        var plugged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var installed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnPlugged(string port)
        {
            if (port == id) plugged.TrySetResult();
        }
        void OnInstalled(string port)
        {
            if (port == id) installed.TrySetResult(Stopwatch.GetTimestamp());
        }
        controller.PortPlugged += OnPlugged;
        controller.PortFlowsInstalled += OnInstalled;
        try
        {
            string a = $"pa{i}", b = $"pb{i}";
            await sandbox.VsctlAsync(sandbox.PlugCommands(a, b, id), ct);
            await Within(plugged.Task, timeout, $"the controller did not see the interface for {id}", ct);
            var key = await api.AllocateUniqueKeyAsync<LogicalPort>(ct);
            var port = new LogicalPort
            {
                Id = id, Topic = net.Topic, Lswitch = net.Id, Macs = [$"fa:16:3e:20:{i >> 8 & 0xff:x2}:{i & 0xff:x2}"],
                Ips = [new FixedIp("bench-sub", $"10.2.{i >> 8 & 0xff}.{i & 0xff}")], UniqueKey = key,
            };
            var written = Stopwatch.GetTimestamp();
            await api.CreateAsync(port, ct);
            await Within(installed.Task, timeout, $"flows for {id} were not acknowledged", ct);
            return Stopwatch.GetElapsedTime(written, installed.Task.Result).TotalMilliseconds;
        }
        finally
        {
            controller.PortPlugged -= OnPlugged;
            controller.PortFlowsInstalled -= OnInstalled;
        }
    }

    internal static async Task Within(Task task, TimeSpan timeout, string what, CancellationToken ct)
    {
        try
        {
            await task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what} within {timeout.TotalSeconds:F0} s");
        }
    }

    internal static string Line(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    static string Verdict(bool met) => met ? "met" : "MISSED";
}
