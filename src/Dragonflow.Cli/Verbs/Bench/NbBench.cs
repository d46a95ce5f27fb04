using System.CommandLine;
using System.Globalization;
using Dragonflow.Cli.Sandbox;
using Dragonflow.Configuration;
using Dragonflow.NorthDb;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary>
/// <c>dragonflow bench nb [--driver sqlite|etcd|redis|zookeeper|all] [--objects N] [--concurrency C] [--hosts H,...]</c>:
/// create, get, update (CAS) and list throughput and p50/p99 latency of each NB driver through
/// <see cref="NbApi"/>. sqlite runs on a temp file. A networked driver uses the hosts given
/// (--hosts, or remote_db_hosts from the configuration when it differs from the default; they
/// belong to --driver when it names one driver, else to nb_db_class); otherwise a private server
/// (<see cref="PrivateBackend"/>) is started for it and stopped by pid afterwards. A driver whose
/// server binary is missing is skipped with a note. The table lists one row per driver and operation.
/// </summary>
static class NbBench
{
    const int Interrupted = 130;
    static readonly string[] Drivers = ["sqlite", "etcd", "redis", "zookeeper"];

    public static Command Create()
    {
        var driver = new Option<string>("--driver") { Description = "sqlite, etcd, redis, zookeeper or all", DefaultValueFactory = _ => "all" };
        driver.AcceptOnlyFromAmong([.. Drivers, "all"]);
        var objects = new Option<int>("--objects") { Description = "Objects to create, get and update per driver", DefaultValueFactory = _ => 2000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent workers", DefaultValueFactory = _ => 4 };
        var hosts = new Option<string?>("--hosts") { Description = "host:port[,host:port...] of an existing server (else a private one is started)" };
        var command = new Command("nb", "NB drivers: create/get/update/list ops/s and p50/p99 latency, against private servers unless hosts are given.")
        {
            driver, objects, concurrency, hosts,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var n = parse.GetValue(objects);
            var c = parse.GetValue(concurrency);
            if (n < 1 || c < 1)
            {
                Console.Error.WriteLine("error: --objects and --concurrency must be at least 1");
                return ExitCodes.Usage;
            }
            var config = GlobalOptions.LoadConfig(parse);
            var selected = parse.GetValue(driver) ?? "all";
            var explicitHosts = ExplicitHosts(parse.GetValue(hosts), config);
            var hostsFor = selected == "all" ? config.NbDbClass : selected;
            if (explicitHosts is not null && !Drivers.Skip(1).Contains(hostsFor))
            {
                Console.Error.WriteLine($"error: hosts were given, but they would belong to '{hostsFor}'; name the networked driver with --driver or df.nb_db_class");
                return ExitCodes.Usage;
            }
            try
            {
                return await RunAsync(selected == "all" ? Drivers : [selected], n, c, explicitHosts is null ? null : (hostsFor, explicitHosts), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Private servers are stopped by now (await using); 130 as a shell reports SIGINT.
                Console.Error.WriteLine("interrupted");
                return Interrupted;
            }
        });
        return command;
    }

    static IReadOnlyList<string>? ExplicitHosts(string? option, DragonflowConfig config)
    {
        if (!string.IsNullOrWhiteSpace(option))
            return option.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var defaults = ConfigLoader.Load(null).RemoteDbHosts;
        return config.RemoteDbHosts.SequenceEqual(defaults) ? null : config.RemoteDbHosts;
    }

    static async Task<int> RunAsync(IReadOnlyList<string> drivers, int objects, int concurrency,
        (string Driver, IReadOnlyList<string> Hosts)? given, CancellationToken cancellationToken)
    {
        var rows = new List<(string Driver, NbOpResult? Result, string? Note)>();
        var failed = false;
        foreach (var name in drivers)
        {
            try
            {
                var results = await RunDriverAsync(name, objects, concurrency, given?.Driver == name ? given.Value.Hosts : null, cancellationToken);
                if (results is null)
                {
                    rows.Add((name, null, $"skipped: {PrivateBackend.MissingReason(name)}"));
                    continue;
                }
                rows.AddRange(results.Select(r => (name, (NbOpResult?)r, (string?)null)));
            }
            catch (Exception e) when (e is NbException or SandboxException or InvalidOperationException)
            {
                Console.Error.WriteLine($"error: {name}: {e.Message}");
                rows.Add((name, null, $"failed: {e.GetType().Name}"));
                failed = true;
            }
        }

        Console.WriteLine($"nb bench: {objects} objects, {concurrency} workers, {NbWorkload.Topics} topics");
        Console.WriteLine($"{"driver",-10} {"operation",-9} {"ops",6} {"ops/s",10} {"p50 ms",9} {"p99 ms",9}");
        foreach (var (name, r, note) in rows)
        {
            Console.WriteLine(r is null
                ? $"{name,-10} {note}"
                : string.Create(CultureInfo.InvariantCulture, $"{name,-10} {r.Operation,-9} {r.Count,6} {r.OpsPerSecond,10:F0} {r.P50Ms,9:F3} {r.P99Ms,9:F3}"));
        }
        return failed ? ExitCodes.Failure : ExitCodes.Ok;
    }

    /// <summary>The driver's results, or null when it was skipped because its server cannot run here.</summary>
    static async Task<List<NbOpResult>?> RunDriverAsync(string name, int objects, int concurrency, IReadOnlyList<string>? hosts, CancellationToken cancellationToken)
    {
        if (name == "sqlite")
        {
            var dir = Directory.CreateTempSubdirectory("df-bench-sqlite-");
            try
            {
                Console.Error.WriteLine($"sqlite: {dir.FullName}/nb.db");
                return await MeasureAsync(new NbOptions { NbDbClass = "sqlite", NbDbPath = Path.Combine(dir.FullName, "nb.db") }, objects, concurrency, cancellationToken);
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        }
        if (hosts is not null)
        {
            Console.WriteLine($"backend: driver={name} hosts={string.Join(',', hosts)} (given)");
            return await MeasureAsync(new NbOptions { NbDbClass = name, RemoteDbHosts = hosts }, objects, concurrency, cancellationToken);
        }
        if (PrivateBackend.MissingReason(name) is { } missing)
        {
            Console.Error.WriteLine($"note: {name} skipped: {missing}");
            return null;
        }
        await using var backend = await PrivateBackend.StartAsync(name, cancellationToken);
        Console.WriteLine($"backend: driver={name} pid={backend.Pid} endpoint={backend.Endpoint} dir={backend.Directory}");
        return await MeasureAsync(new NbOptions { NbDbClass = name, RemoteDbHosts = [backend.Endpoint] }, objects, concurrency, cancellationToken);
    }

    static async Task<List<NbOpResult>> MeasureAsync(NbOptions options, int objects, int concurrency, CancellationToken cancellationToken)
    {
        using var driver = NbFactory.CreateDriver(options);
        using var api = new NbApi(driver);
        return await NbWorkload.RunAsync(api, objects, concurrency, cancellationToken);
    }
}
