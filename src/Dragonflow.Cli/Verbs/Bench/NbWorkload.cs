using System.Diagnostics;
using Dragonflow.Model;
using Dragonflow.NorthDb;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary>One measured operation of the NB benchmark: how many, how long in all, and each one's latency.</summary>
sealed record NbOpResult(string Operation, int Count, TimeSpan Elapsed, double P50Ms, double P99Ms)
{
    public double OpsPerSecond => Count / Elapsed.TotalSeconds;
}

/// <summary>
/// The NB benchmark workload on one <see cref="NbApi"/>: N lport-like objects spread over ten
/// topics; create all, get all, update all (read + CAS through <see cref="NbApi.UpdateAsync{T}(string, Action{T}, CancellationToken)"/>),
/// then list by topic. Each phase runs on C concurrent workers that take the next item from a shared counter.
/// </summary>
static class NbWorkload
{
    public const int Topics = 10;

    public static async Task<List<NbOpResult>> RunAsync(NbApi api, int objects, int concurrency, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        string Id(int i) => $"bench-{run}-{i:D6}";
        string Topic(int i) => $"bench-{run}-t{i % Topics}";
        var listCount = Math.Max(Topics, Math.Min(100, objects / 20));

        return
        [
            await PhaseAsync("create", objects, concurrency, i => api.CreateAsync(Port(Id(i), Topic(i)), cancellationToken), cancellationToken),
            await PhaseAsync("get", objects, concurrency, i => api.GetAsync<LogicalPort>(Id(i), cancellationToken), cancellationToken),
            await PhaseAsync("update", objects, concurrency, i => api.UpdateAsync<LogicalPort>(Id(i), p => p.Status = PortStatuses.Active, cancellationToken), cancellationToken),
            await PhaseAsync("list", listCount, concurrency, async i =>
            {
                var listed = await api.ListAsync<LogicalPort>(Topic(i), cancellationToken);
                var expected = objects / Topics + (i % Topics < objects % Topics ? 1 : 0);
                if (listed.Items.Count != expected)
                    throw new InvalidOperationException($"list of topic {Topic(i)} returned {listed.Items.Count} objects, expected {expected}");
            }, cancellationToken),
        ];
    }

    static LogicalPort Port(string id, string topic) => new()
    {
        Id = id,
        Topic = topic,
        Name = id,
        Lswitch = $"{topic}-net",
        Macs = ["fa:16:3e:00:00:01"],
        Ips = [new FixedIp($"{topic}-subnet", "10.0.0.5")],
        BindingHostId = "compute-1",
    };

    static async Task<NbOpResult> PhaseAsync(string name, int count, int concurrency, Func<int, Task> op, CancellationToken cancellationToken)
    {
        var latencies = new double[count];
        var next = -1;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var start = Stopwatch.GetTimestamp();
                await op(i);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }, cancellationToken)));
        var elapsed = total.Elapsed;
        Array.Sort(latencies);
        return new NbOpResult(name, count, elapsed, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
