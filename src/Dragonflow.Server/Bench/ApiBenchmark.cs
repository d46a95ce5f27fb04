using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Hosting;

namespace Dragonflow.Server.Bench;

/// <summary>What <see cref="ApiBenchmark"/> does: how many ports, how many concurrent clients, how many list samples.</summary>
public sealed record ApiBenchOptions
{
    public int Ports { get; init; } = 10000;
    public int Clients { get; init; } = 4;
    public int ListSamples { get; init; } = 7;
    public int FilteredSamples { get; init; } = 51;

    /// <summary>Run the server with auth_strategy = keystone and send this account's token (null: noauth).</summary>
    public KeystoneBenchAccount? Keystone { get; init; }
}

/// <summary>The figures: creates per second, and median latencies of the full and the filtered port list.</summary>
public sealed record ApiBenchResult(int Ports, TimeSpan CreateTime, double CreatesPerSecond, TimeSpan FullList, int FullListCount, long FullListBytes,
    TimeSpan FilteredList, int FilteredCount, int KeystoneValidations = 0);

/// <summary>
/// The API server as production runs it — Kestrel on loopback, a sqlite NB DB, a ZeroMQ publisher
/// so every write is published — driven over HTTP: one network with a /16 subnet, N port creates
/// from a few concurrent clients, then GET /v2.0/ports (all) and ?device_id=X (one). With a Keystone
/// account every request carries its token, validated by Keystone once and then from the cache.
/// </summary>
public static class ApiBenchmark
{
    public static async Task<ApiBenchResult> RunAsync(ApiBenchOptions options, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var directory = Directory.CreateTempSubdirectory("df-bench-api-");
        try
        {
            var nbOptions = new NbOptions
            {
                NbDbClass = "sqlite", NbDbPath = Path.Combine(directory.FullName, "nb.db"),
                EnableDfPubSub = true, PubSubDriver = "zmq", PublisherPort = 0, PublisherBindAddress = "127.0.0.1",
            };
            using var nb = await NbFactory.OpenAsync(nbOptions, publish: true, cancellationToken: cancellationToken);
            // The benchmark's port count is far above Neutron's default port quota: no quota is counted.
            var unlimited = Quotas.QuotaBook.Resources.ToDictionary(r => r, _ => Quotas.QuotaBook.Unlimited);
            var serverOptions = options.Keystone is { } account
                ? new ServerOptions { Bind = "127.0.0.1:0", AuthStrategy = "keystone", Keystone = account.Settings, QuotaDefaults = unlimited }
                : new ServerOptions { Bind = "127.0.0.1:0", QuotaDefaults = unlimited };
            var validationsBefore = KeystoneValidations();
            await using var server = NeutronServer.Create(nb, serverOptions);
            await server.StartAsync(cancellationToken);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(1, options.Clients), UseProxy = false })
            {
                BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2),
            };
            if (options.Keystone is not null)
                http.DefaultRequestHeaders.Add("X-Auth-Token", options.Keystone.Token.Token);
            progress?.Invoke($"server on {server.Address}, NB {nbOptions.NbDbPath}, auth {serverOptions.AuthStrategy}");

            var net = await PostAsync(http, "/v2.0/networks", """{"network":{"name":"bench"}}""", "network", cancellationToken);
            await PostAsync(http, "/v2.0/subnets", "{\"subnet\":{\"network_id\":\"" + net + "\",\"cidr\":\"10.64.0.0/16\",\"ip_version\":4}}", "subnet", cancellationToken);

            var next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Clients)).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) is var i && i < options.Ports)
                    await PostAsync(http, "/v2.0/ports", PortBody(net, i), "port", cancellationToken);
            }));
            var createTime = clock.Elapsed;
            progress?.Invoke($"{options.Ports} ports created in {createTime.TotalSeconds:F1} s");

            var (full, fullCount, fullBytes) = await MedianListAsync(http, _ => "/v2.0/ports", options.ListSamples, cancellationToken);
            if (fullCount != options.Ports)
                throw new InvalidOperationException($"GET /v2.0/ports listed {fullCount} ports, not {options.Ports}");
            var random = new Random(42);
            var (filtered, filteredCount, _) = await MedianListAsync(http, _ => $"/v2.0/ports?device_id=vm-{random.Next(options.Ports)}", options.FilteredSamples, cancellationToken);
            if (filteredCount != 1)
                throw new InvalidOperationException($"GET /v2.0/ports?device_id= listed {filteredCount} ports, not 1");
            return new ApiBenchResult(options.Ports, createTime, options.Ports / createTime.TotalSeconds, full, fullCount, fullBytes, filtered, filteredCount,
                (int)(KeystoneValidations() - validationsBefore));
        }
        finally
        {
            try { directory.Delete(recursive: true); } catch (IOException) { }
        }
    }

    static double KeystoneValidations() =>
        Observability.KeystoneMetrics.Validations.WithLabels(Observability.KeystoneMetrics.Valid).Value
        + Observability.KeystoneMetrics.Validations.WithLabels(Observability.KeystoneMetrics.Refused).Value;

    static string PortBody(string net, int i) =>
        $"{{\"port\":{{\"network_id\":\"{net}\",\"name\":\"p{i}\",\"device_id\":\"vm-{i}\",\"device_owner\":\"{DeviceOwners.ComputeNova}\"}}}}";

    static async Task<string> PostAsync(HttpClient http, string path, string body, string member, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty(member).GetProperty("id").GetString()!;
    }

    /// <summary>The median time to get the whole answer of a list (first call, which warms caches, not counted); the count of the last.</summary>
    static async Task<(TimeSpan Median, int Count, long Bytes)> MedianListAsync(HttpClient http, Func<int, string> path, int samples, CancellationToken cancellationToken)
    {
        var times = new List<TimeSpan>();
        byte[] last = [];
        for (var i = 0; i <= samples; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync(path(i), cancellationToken);
            last = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var elapsed = clock.Elapsed;
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"GET {path(i)}: {(int)response.StatusCode}");
            if (i > 0)
                times.Add(elapsed);
        }
        using var doc = JsonDocument.Parse(last);
        times.Sort();
        return (times[times.Count / 2], doc.RootElement.GetProperty("ports").GetArrayLength(), last.Length);
    }
}
