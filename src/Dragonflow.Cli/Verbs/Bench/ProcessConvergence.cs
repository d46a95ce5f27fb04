using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Dragonflow.Cli.Sandbox;
using Dragonflow.Controller.Flows;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.PubSub;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary>
/// Port-up in the shape that runs in production: this process writes NB through <see cref="NbApi"/>
/// (key allocation included) and a separate <c>dragonflow controller</c> process, fed by ZeroMQ
/// pub/sub, brings the port up on the sandbox switch. Per port, two clocks from the start of the
/// write: until the port is ACTIVE as NB's subscribers see it (the controller writes ACTIVE once
/// its barrier acknowledged the port's flows; the status comes back through pub/sub, as Nova
/// hears of it) and until an OpenFlow flow monitor on the bridge reports the first flow with the
/// port's MAC as destination. Also the flows a new port added.
/// </summary>
static class ProcessConvergence
{
    const string Host = "bench-chassis";
    const int WarmUp = 5;
    // Time for the controller's OVSDB monitor to report a plugged interface before its port is written.
    static readonly TimeSpan PlugSettle = TimeSpan.FromMilliseconds(100);

    public sealed record Result(double ActiveP50, double ActiveP99, double FlowP50, double FlowP99, double FlowsPerPort,
        IReadOnlyDictionary<string, double> FlowsPerPortByApp);

    public static async Task<Result> RunAsync(SandboxSwitch sandbox, NbOptions nb, NbApi api, LogicalSwitch net, int samples,
        ILoggerFactory loggerFactory, TimeSpan timeout, CancellationToken ct)
    {
        var config = Path.Combine(Path.GetDirectoryName(nb.NbDbPath)!, "controller.ini");
        await File.WriteAllTextAsync(config, string.Join("\n",
            "[df]", $"host = {Host}", "local_ip = 127.0.0.1", "tunnel_types = geneve",
            $"integration_bridge = {sandbox.Bridge}", "datapath_type = netdev", $"ovsdb_connection = unix:{sandbox.DbSocket}",
            $"of_listen = {sandbox.ControllerTarget}", "nb_db_class = sqlite", $"nb_db_path = {nb.NbDbPath}",
            "pub_sub_driver = zmq", "publisher_bind_address = 127.0.0.1", "publisher_port = 0", ""), ct);

        Console.WriteLine("production shape: this process writes NB (key allocation included), a dragonflow controller process brings the port up;"
            + " active = the port ACTIVE as NB subscribers see it (written after the barrier), flow_seen = its first flow reported by ovs-ofctl monitor");
        using var statuses = new ActiveWatch(nb, api, loggerFactory);
        await using var controller = BenchChild.Start("controller", "--config", config);
        Console.WriteLine($"controller process: pid={controller.Pid}");
        await controller.WaitForLineAsync(l => l.Contains(" started", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the controller process' start", ct);
        // The monitor needs the bridge the controller made, connected (its first flows are there).
        await MemoryBench.WaitForAsync(async () => await MemoryBench.FlowCountAsync(sandbox, 0, ct) > 0, TimeSpan.FromSeconds(60), "the controller process' first flows", ct);
        using var monitor = sandbox.MonitorFlows();

        var active = new List<double>();
        var flow = new List<double>();
        var created = new List<string>();
        IReadOnlyList<ulong> cookiesBefore = [];
        try
        {
            for (var i = 0; i < samples + WarmUp; i++)
            {
                if (i == WarmUp) cookiesBefore = await sandbox.CookiesAsync(ct);
                var (a, f) = await PortUpAsync(sandbox, api, statuses, monitor, net, i, i < WarmUp ? TimeSpan.FromSeconds(30) : timeout, created, ct);
                if (i < WarmUp) continue;
                active.Add(a);
                flow.Add(f);
            }
            var cookiesAfter = await sandbox.CookiesAsync(ct);
            var byApp = ByApp(cookiesAfter).ToDictionary(kv => kv.Key, kv => (double)(kv.Value - ByApp(cookiesBefore).GetValueOrDefault(kv.Key)) / samples);
            return new Result(Percentile(active, 0.5), Percentile(active, 0.99), Percentile(flow, 0.5), Percentile(flow, 0.99),
                (double)(cookiesAfter.Count - cookiesBefore.Count) / samples, byApp);
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine($"--- controller process output (tail) ---\n{controller.Tail()}\n--- ovs-ofctl monitor (tail) ---\n{monitor.Tail()}");
            throw;
        }
        finally
        {
            // The in-process run that follows starts from the same NB and bridge, without these.
            foreach (var id in created) await api.DeleteAsync<LogicalPort>(id, cancellationToken: CancellationToken.None);
            var unplug = Enumerable.Range(0, samples + WarmUp)
                .SelectMany(i => new[] { "--", "--if-exists", "del-port", $"qa{i}", "--", "--if-exists", "del-port", $"qb{i}" });
            await sandbox.VsctlAsync(unplug, CancellationToken.None);
        }
    }

    static async Task<(double Active, double Flow)> PortUpAsync(SandboxSwitch sandbox, NbApi api, ActiveWatch statuses, FlowMonitor monitor,
        LogicalSwitch net, int i, TimeSpan timeout, List<string> created, CancellationToken ct)
    {
        var id = $"proc-{i}";
        var mac = $"fa:16:3e:30:{i >> 8 & 0xff:x2}:{i & 0xff:x2}";
        string a = $"qa{i}", b = $"qb{i}";
        // ovs-vsctl returns once vswitchd has the interface (an ofport).
        await sandbox.VsctlAsync(sandbox.PlugCommands(a, b, id), ct);
        await Task.Delay(PlugSettle, ct);
        var isActive = statuses.ActiveAt(id);
        var flowSeen = monitor.FirstFlowTo(mac);

        var start = Stopwatch.GetTimestamp();
        var port = new LogicalPort
        {
            Id = id, Topic = net.Topic, Lswitch = net.Id, Macs = [mac],
            Ips = [new FixedIp("bench-sub", $"10.3.{i >> 8 & 0xff}.{i & 0xff}")],
            UniqueKey = await api.AllocateUniqueKeyAsync<LogicalPort>(ct),
        };
        await api.CreateAsync(port, ct);
        created.Add(id);
        await ConvergenceBench.Within(isActive, timeout, $"{id} did not become ACTIVE", ct);
        await ConvergenceBench.Within(flowSeen, timeout, $"no flow to {mac} was reported by the flow monitor" + (monitor.HasExited ? " (ovs-ofctl monitor exited)" : ""), ct);
        return (Stopwatch.GetElapsedTime(start, isActive.Result).TotalMilliseconds, Stopwatch.GetElapsedTime(start, flowSeen.Result).TotalMilliseconds);
    }

    /// <summary>Flows per app, the app read from the cookie's top byte.</summary>
    static Dictionary<string, int> ByApp(IReadOnlyList<ulong> cookies) =>
        cookies.GroupBy(c => Inspection.Trace.FlowOwners.AppName(FlowCookie.App(c))).ToDictionary(g => g.Key, g => g.Count());

    static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Max(0, (int)Math.Ceiling(sorted.Count * p) - 1)];
    }

    /// <summary>When each port was first seen ACTIVE on this chassis, through a pub/sub subscriber of this process.</summary>
    sealed class ActiveWatch : IDisposable
    {
        readonly INbSubscriber _subscriber;
        readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _active = new(StringComparer.Ordinal);

        public ActiveWatch(NbOptions nb, NbApi api, ILoggerFactory loggerFactory)
        {
            _subscriber = NbFactory.CreateSubscriber(nb, api, loggerFactory);
            _subscriber.UpdateReceived += OnUpdate;
            _subscriber.SubscribeAll();
            _subscriber.Start();
        }

        public Task<long> ActiveAt(string portId) => Slot(portId).Task;

        TaskCompletionSource<long> Slot(string id) =>
            _active.GetOrAdd(id, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

        void OnUpdate(DbUpdate update)
        {
            var seen = Stopwatch.GetTimestamp();
            if (update.Table != NbTables.Names.Lport || update.Value is null || update.Action == DbUpdateAction.Delete) return;
            var port = JsonSerializer.Deserialize(update.Value, NbJsonContext.Default.LogicalPort);
            if (port is { Status: PortStatuses.Active, Chassis: Host }) Slot(port.Id).TrySetResult(seen);
        }

        public void Dispose() => _subscriber.Dispose();
    }
}
