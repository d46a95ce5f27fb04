using System.Diagnostics;
using Dragonflow.Model;
using Dragonflow.NorthDb.Drivers.Etcd;
using Dragonflow.Testing.Backends;
using Xunit.Abstractions;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>
/// The etcd driver against a real three-member cluster whose leader is SIGKILLed in the middle of
/// a stream of CAS increments, creates and reads. The driver may report
/// <see cref="NbBackendUnavailableException"/> for at most <see cref="EtcdNbDriver.FailoverWindow"/>;
/// the writer retries, and no acknowledged write is lost.
/// </summary>
public sealed class EtcdFailoverTests(EtcdCluster cluster, ITestOutputHelper output) : IClassFixture<EtcdCluster>
{
    private const int Writers = 3;
    private const int StepsBeforeKill = 60;
    private const int StepsAfterKill = 150;

    [Fact]
    public async Task KillingTheLeaderMidStreamLosesNoAcknowledgedWrite()
    {
        using var driver = new EtcdNbDriver(cluster.Endpoints);
        using var api = new NbApi(driver);
        var streams = new List<WriteStream>();
        for (var i = 0; i < Writers; i++)
        {
            var counterId = $"counter-{Guid.NewGuid():N}";
            await api.CreateAsync(new Chassis { Id = counterId, Ip = "0" });
            streams.Add(new WriteStream(api, counterId));
        }

        // The writers run on while the leader is killed, so operations are in flight at that moment.
        using var stop = new CancellationTokenSource();
        var running = streams.Select(s => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await s.StepAsync();
            }
        })).ToList();
        var leader = cluster.WaitForLeader(TimeSpan.FromSeconds(10));
        try
        {
            await Until(() => streams.All(s => s.Steps >= StepsBeforeKill), running, "steps before the kill");
            var killedPid = cluster.Pid(leader);
            var stepsAtKill = streams.Select(s => s.Steps).ToArray();
            cluster.Kill(leader);
            output.WriteLine($"killed leader m{leader} (pid {killedPid}) at steps {string.Join(",", stepsAtKill)}");
            await Until(() => streams.Select((s, i) => s.Steps - stepsAtKill[i]).All(n => n >= StepsAfterKill), running, "steps after the kill");
            stop.Cancel();
            await Task.WhenAll(running);

            var newLeader = cluster.WaitForLeader(TimeSpan.FromSeconds(10));
            foreach (var s in streams)
            {
                output.WriteLine($"writer: {s.Increments} increments, {s.Created.Count} creates, {s.Unavailable} unavailable errors, " +
                    $"longest outage {s.LongestOutage.TotalMilliseconds:F0} ms, slowest operation {s.SlowestStep.TotalMilliseconds:F0} ms, {s.Ambiguous} lost answers resolved by reading");
            }
            output.WriteLine($"new leader m{newLeader}");
            Assert.NotEqual(leader, newLeader);

            // A fresh client on the surviving members sees every acknowledged write.
            using var survivors = new EtcdNbDriver(cluster.Endpoints.Where((_, i) => i != leader).ToArray());
            using var check = new NbApi(survivors);
            foreach (var s in streams)
            {
                Assert.True(s.LongestOutage <= EtcdNbDriver.FailoverWindow, $"unavailable for {s.LongestOutage} > {EtcdNbDriver.FailoverWindow}");
                Assert.True(s.SlowestStep <= EtcdNbDriver.FailoverWindow, $"an operation took {s.SlowestStep} > {EtcdNbDriver.FailoverWindow} until it succeeded");
                var counter = await check.GetAsync<Chassis>(s.CounterId);
                Assert.Equal(s.Increments.ToString(), counter.Ip);
                Assert.Equal(s.Increments + 1, counter.Version);
                var stored = (await check.ListAsync<LogicalPort>(s.Topic)).Items.Select(p => p.Id).ToHashSet();
                var lost = s.Created.Except(stored).ToList();
                Assert.True(lost.Count == 0, $"acknowledged creates missing: {string.Join(", ", lost)}");
                Assert.Equal(s.Created.Count, stored.Count);
            }
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { })));
            cluster.Start(leader);
        }
    }

    /// <summary>Polls <paramref name="condition"/>; a writer that failed ends the wait with its exception.</summary>
    private static async Task Until(Func<bool> condition, List<Task> writers, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (writers.FirstOrDefault(t => t.IsFaulted) is { } failed)
            {
                await failed;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// One writer alternating CAS increments of the counter, creates and reads. An operation that
    /// fails with NbBackendUnavailable is retried (the outage is timed); a write whose answer was
    /// lost is resolved by reading what is stored, so only writes known to be stored are counted.
    /// </summary>
    private sealed class WriteStream(NbApi api, string counterId)
    {
        private long? _outageStarted;
        private long _stepStarted;
        private int _step;
        private volatile int _steps;

        public string CounterId => counterId;
        public int Steps => _steps;
        public TimeSpan SlowestStep { get; private set; }

        public string Topic { get; } = $"failover-{Guid.NewGuid():N}";
        public long Increments { get; private set; }
        public List<string> Created { get; } = [];
        public int Unavailable { get; private set; }
        public int Ambiguous { get; private set; }
        public TimeSpan LongestOutage { get; private set; }

        public async Task StepAsync()
        {
            _stepStarted = Stopwatch.GetTimestamp();
            await StepOnceAsync();
            var took = Stopwatch.GetElapsedTime(_stepStarted);
            SlowestStep = took > SlowestStep ? took : SlowestStep;
            _steps++;
        }

        private async Task StepOnceAsync()
        {
            switch (_step++ % 3)
            {
                case 0:
                    await IncrementAsync();
                    break;
                case 1:
                    await CreateAsync($"{Topic}-{_step}");
                    break;
                default:
                    var counter = await RetryAsync(() => api.GetAsync<Chassis>(counterId));
                    Assert.Equal(Increments.ToString(), counter.Ip);
                    break;
            }
        }

        private async Task IncrementAsync()
        {
            var uncertain = false;
            while (true)
            {
                var counter = await RetryAsync(() => api.GetAsync<Chassis>(counterId));
                if (uncertain && counter.Version == Increments + 2 && counter.Ip == (Increments + 1).ToString())
                {
                    Ambiguous++;
                    break; // our lost-answer write was stored
                }
                Assert.Equal(Increments.ToString(), counter.Ip);
                counter.Ip = (Increments + 1).ToString();
                try
                {
                    await api.UpdateAsync(counter);
                    Succeeded();
                    break;
                }
                catch (NbBackendUnavailableException e)
                {
                    Failed(e);
                    uncertain = true;
                }
            }
            Increments++;
        }

        private async Task CreateAsync(string id)
        {
            var uncertain = false;
            while (true)
            {
                try
                {
                    await api.CreateAsync(new LogicalPort { Id = id, Topic = Topic, Lswitch = "net" });
                    Succeeded();
                    break;
                }
                catch (NbBackendUnavailableException e)
                {
                    Failed(e);
                    uncertain = true;
                }
                catch (NbKeyExistsException) when (uncertain)
                {
                    Succeeded();
                    Ambiguous++;
                    break; // the attempt whose answer was lost was stored
                }
            }
            Created.Add(id);
        }

        private async Task<T> RetryAsync<T>(Func<Task<T>> read)
        {
            while (true)
            {
                try
                {
                    var result = await read();
                    Succeeded();
                    return result;
                }
                catch (NbBackendUnavailableException e)
                {
                    Failed(e);
                }
            }
        }

        private void Failed(NbBackendUnavailableException e)
        {
            Unavailable++;
            // The outage counts from the start of the operation that failed: it may have waited for its deadline.
            _outageStarted ??= _stepStarted;
            // Give up once the documented window is well exceeded, so a broken failover fails the test instead of hanging it.
            var elapsed = Stopwatch.GetElapsedTime(_outageStarted.Value);
            Assert.True(elapsed <= EtcdNbDriver.FailoverWindow * 2, $"still unavailable after {elapsed}: {e.Message}");
        }

        private void Succeeded()
        {
            if (_outageStarted is { } started)
            {
                var outage = Stopwatch.GetElapsedTime(started);
                LongestOutage = outage > LongestOutage ? outage : LongestOutage;
                _outageStarted = null;
            }
        }
    }
}
