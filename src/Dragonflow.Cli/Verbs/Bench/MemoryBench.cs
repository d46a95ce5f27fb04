using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dragonflow.Cli.Sandbox;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary>
/// <c>dragonflow bench memory [--networks 1000] [--ports 10000]</c>: the resident memory of a
/// real controller process (<c>dragonflow controller --config</c>, as deployed) on a private
/// <see cref="SandboxSwitch"/> and a temporary sqlite NB with ZeroMQ pub/sub. RSS is read from
/// /proc once the process started with an empty NB, and again once the ports written to NB
/// meanwhile (bound to another chassis, spread over the networks) all have their flows.
/// </summary>
static partial class MemoryBench
{
    const int TargetMb = 100;

    public static Command Create()
    {
        var networks = new Option<int>("--networks") { Description = "Networks in NB.", DefaultValueFactory = _ => 1000 };
        var ports = new Option<int>("--ports") { Description = "Ports in NB, spread over the networks.", DefaultValueFactory = _ => 10000 };
        var command = new Command("memory", "Resident memory of a controller process with N ports on M networks in its cache.") { networks, ports };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (m, n) = (parse.GetValue(networks), parse.GetValue(ports));
            if (m < 1 || n < 0)
            {
                Console.Error.WriteLine("error: --networks must be at least 1 and --ports at least 0");
                return ExitCodes.Usage;
            }
            return await SandboxRun.GuardAsync(() => RunAsync(m, n, cancellationToken), cancellationToken);
        });
        return command;
    }

    static async Task<int> RunAsync(int networks, int ports, CancellationToken ct)
    {
        await using var sandbox = await SandboxSwitch.StartAsync(ct);
        Console.WriteLine($"sandbox: run_dir={sandbox.RunDirectory} ovsdb_server_pid={sandbox.OvsdbPid} ovs_vswitchd_pid={sandbox.VswitchdPid} bridge={sandbox.Bridge}");
        var nbDir = Directory.CreateTempSubdirectory("dfmem-nb-").FullName;
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        BenchChild? controller = null;
        try
        {
            var nb = new NbOptions
            {
                NbDbPath = Path.Combine(nbDir, "nb.db"), PublisherPort = 0, PublisherBindAddress = "127.0.0.1",
            };
            using var api = await NbFactory.OpenAsync(nb, publish: true, loggerFactory, ct);
            await api.CreateAsync(new Chassis { Id = "elsewhere", Ip = "127.0.1.1", TunnelTypes = ["geneve"] }, ct);
            var config = Path.Combine(nbDir, "dragonflow.ini");
            await File.WriteAllTextAsync(config, string.Join("\n",
                "[df]", "host = bench-chassis", "local_ip = 127.0.0.1", "tunnel_types = geneve",
                $"integration_bridge = {sandbox.Bridge}", "datapath_type = netdev", $"ovsdb_connection = unix:{sandbox.DbSocket}",
                $"of_listen = {sandbox.ControllerTarget}", "nb_db_class = sqlite", $"nb_db_path = {nb.NbDbPath}",
                "publisher_bind_address = 127.0.0.1", ""), ct);

            controller = BenchChild.Start("controller", "--config", config);
            Console.WriteLine($"controller: pid={controller.Pid}");
            await WaitForAsync(async () => await FlowCountAsync(sandbox, 200, ct) >= 1, TimeSpan.FromSeconds(60), "the controller's first flows", ct);
            var atStart = RssMb(controller.Pid);

            var clock = Stopwatch.StartNew();
            var nets = new List<LogicalSwitch>();
            for (var i = 0; i < networks; i++)
            {
                var net = await api.CreateAsync(new LogicalSwitch
                {
                    Id = $"net-{i}", Topic = $"tenant-{i % 10}", NetworkType = "geneve", SegmentationId = 1000 + i,
                    UniqueKey = await api.AllocateUniqueKeyAsync<LogicalSwitch>(ct),
                }, ct);
                await api.CreateAsync(new LogicalSubnet { Id = $"sub-{i}", Topic = net.Topic, Lswitch = net.Id, Cidr = $"10.{i >> 8}.{i & 0xff}.0/24" }, ct);
                nets.Add(net);
            }
            for (var i = 0; i < ports; i++)
            {
                var net = nets[i % networks];
                var j = i / networks;
                await api.CreateAsync(new LogicalPort
                {
                    Id = $"port-{i}", Topic = net.Topic, Lswitch = net.Id, Chassis = "elsewhere", BindingHostId = "elsewhere", Status = PortStatuses.Active,
                    Macs = [$"fa:16:3e:{i >> 16 & 0xff:x2}:{i >> 8 & 0xff:x2}:{i & 0xff:x2}"],
                    Ips = [new FixedIp($"sub-{i % networks}", $"10.{(i % networks) >> 8}.{(i % networks) & 0xff}.{j % 250 + 2}")],
                    UniqueKey = await api.AllocateUniqueKeyAsync<LogicalPort>(ct),
                }, ct);
            }
            // Every remote port has its tunnel egress flow in table 64 once the cache holds it.
            await WaitForAsync(async () => await FlowCountAsync(sandbox, 64, ct) >= ports, TimeSpan.FromSeconds(180), "every port's flows", ct);
            var filled = clock.ElapsedMilliseconds;
            await Task.Delay(TimeSpan.FromSeconds(2), ct); // let the last batches' garbage go
            var full = RssMb(controller.Pid);
            Console.WriteLine(ConvergenceBench.Line(
                $"controller rss: at_start={atStart} MB with_ports={full} MB (ports={ports} networks={networks}; NB filled and flows installed in {filled} ms)"));
            Console.WriteLine(ConvergenceBench.Line($"target rss <= {TargetMb} MB with {ports} ports / {networks} networks: {(full <= TargetMb ? "met" : "MISSED")}"));
            return ExitCodes.Ok;
        }
        finally
        {
            if (controller is not null) await controller.DisposeAsync();
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

    internal static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:F0} s");
            await Task.Delay(200, ct);
        }
    }

    internal static async Task<long> FlowCountAsync(SandboxSwitch sandbox, int table, CancellationToken ct)
    {
        string reply;
        try
        {
            reply = await sandbox.OfctlAsync(["dump-aggregate", sandbox.Bridge, $"table={table}"], TimeSpan.FromSeconds(30), ct);
        }
        catch (SandboxException)
        {
            return 0; // e.g. while vswitchd reconfigures the bridge for the controller
        }
        var m = FlowCount().Match(reply);
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    static long RssMb(int pid) =>
        long.Parse(RssLine().Match(File.ReadAllText($"/proc/{pid}/status")).Groups[1].Value, CultureInfo.InvariantCulture) / 1024;

    [GeneratedRegex(@"flow_count=(\d+)")]
    private static partial Regex FlowCount();

    [GeneratedRegex(@"VmRSS:\s+(\d+) kB")]
    private static partial Regex RssLine();
}
