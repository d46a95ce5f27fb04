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
    private const int OpsBeforeKill = 150;
    private const int OpsAfterKill = 300;

    [Fact]
    public async Task KillingTheLeaderMidStreamLosesNoAcknowledgedWrite()
    {
        using var driver = new EtcdNbDriver(cluster.Endpoints);
        using var api = new NbApi(driver);
        var counterId = $"counter-{Guid.NewGuid():N}";
        await api.CreateAsync(new Chassis { Id = counterId, Ip = "0" });

        var stream = new WriteStream(api, counterId);
        for (var i = 0; i < OpsBeforeKill; i++)
        {
            await stream.StepAsync();
        }

        var leader = cluster.WaitForLeader(TimeSpan.FromSeconds(10));
        var killedPid = cluster.Pid(leader);
        cluster.Kill(leader);
        output.WriteLine($"killed leader m{leader} (pid {killedPid}) after {stream.Increments} increments, {stream.Created.Count} creates");
        try
        {
            for (var i = 0; i < OpsAfterKill; i++)
            {
                await stream.StepAsync();
            }
            var newLeader = cluster.WaitForLeader(TimeSpan.FromSeconds(10));
            output.WriteLine($"new leader m{newLeader}; {stream.Unavailable} unavailable errors, longest outage {stream.LongestOutage.TotalMilliseconds:F0} ms, {stream.Ambiguous} writes of unknown outcome resolved by reading");

            Assert.NotEqual(leader, newLeader);
            Assert.True(stream.LongestOutage <= EtcdNbDriver.FailoverWindow,
                $"unavailable for {stream.LongestOutage} > {EtcdNbDriver.FailoverWindow}");

            // A fresh client on the surviving members sees every acknowledged write.
            using var check = new NbApi(new EtcdNbDriver(cluster.Endpoints.Where((_, i) => i != leader).ToArray()));
            var counter = await check.GetAsync<Chassis>(counterId);
            Assert.Equal(stream.Increments.ToString(), counter.Ip);
            Assert.Equal(stream.Increments + 1, counter.Version);
            var stored = (await check.ListAsync<LogicalPort>(stream.Topic)).Items.Select(p => p.Id).ToHashSet();
            Assert.Empty(stream.Created.Where(id => !stored.Contains(id)));
            check.Driver.Dispose();
        }
        finally
        {
            cluster.Start(leader);
        }
    }

    /// <summary>
    /// One writer alternating CAS increments of the counter, creates and reads. An operation that
    /// fails with NbBackendUnavailable is retried (the outage is timed); a write whose answer was
    /// lost is resolved by reading what is stored, so only writes known to be stored are counted.
    /// </summary>
    private sealed class WriteStream(NbApi api, string counterId)
    {
        private readonly Stopwatch _outage = new();
        private int _step;

        public string Topic { get; } = $"failover-{Guid.NewGuid():N}";
        public long Increments { get; private set; }
        public List<string> Created { get; } = [];
        public int Unavailable { get; private set; }
        public int Ambiguous { get; private set; }
        public TimeSpan LongestOutage { get; private set; }

        public async Task StepAsync()
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
                catch (NbBackendUnavailableException)
                {
                    Failed();
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
                catch (NbBackendUnavailableException)
                {
                    Failed();
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
                catch (NbBackendUnavailableException)
                {
                    Failed();
                }
            }
        }

        private void Failed()
        {
            Unavailable++;
            if (!_outage.IsRunning)
            {
                _outage.Restart();
            }
            // Give up once the documented window is well exceeded, so a broken failover fails the test instead of hanging it.
            Assert.True(_outage.Elapsed <= EtcdNbDriver.FailoverWindow * 2, $"still unavailable after {_outage.Elapsed}");
        }

        private void Succeeded()
        {
            if (_outage.IsRunning)
            {
                LongestOutage = TimeSpan.FromTicks(Math.Max(LongestOutage.Ticks, _outage.Elapsed.Ticks));
                _outage.Reset();
            }
        }
    }
}
