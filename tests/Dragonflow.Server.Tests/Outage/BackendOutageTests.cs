using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>
/// A real etcd or zookeeper NB server killed for a few seconds under port-create traffic and
/// restarted on its data: the API answers 503 with Neutron's error body meanwhile, serves again
/// afterwards, and every port it acknowledged is there, whole. (Redis: <see cref="RedisOutageTests"/>.)
/// </summary>
public class BackendOutageTests
{
    static readonly TimeSpan Outage = TimeSpan.FromSeconds(3);

    static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(what);
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData("etcd")]
    [InlineData("zookeeper")]
    public async Task The_backend_away_mid_traffic_gives_503s_and_loses_no_acknowledged_port(string backend)
    {
        using var server = OutageBackend.Start(backend);
        // A client that never recovers must fail the test, not hang the suite.
        await RunAsync(server).WaitAsync(TimeSpan.FromMinutes(3));
    }

    static async Task RunAsync(OutageBackend server)
    {
        var driver = server.Connect();
        await server.WaitUntilAnsweringAsync(driver);
        await using var api = await ApiHost.StartOnAsync(driver);
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.30.0.0/16");

        var acknowledged = new ConcurrentBag<string>();
        var unavailable = 0;
        var unexpected = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var body = new JsonObject { ["port"] = new JsonObject { ["network_id"] = net, ["device_id"] = "vm" } }.ToJsonString();
        var workers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var reply = await api.PostAsync("/v2.0/ports", body);
                if (reply.Status == HttpStatusCode.Created)
                    acknowledged.Add((string)reply.Obj("port")["id"]!);
                else if (reply.Status == HttpStatusCode.ServiceUnavailable && reply.ErrorType == "ServiceUnavailable" && reply.ErrorMessage.Length > 0)
                    Interlocked.Increment(ref unavailable);
                else
                    unexpected.Add($"{(int)reply.Status} {reply.Text}");
            }
        })).ToList();

        try
        {
            try
            {
                await WaitUntilAsync(() => acknowledged.Count >= 20, TimeSpan.FromSeconds(30), "20 ports before the outage");
                server.GoAway();
                var away = Stopwatch.StartNew();
                await WaitUntilAsync(() => Volatile.Read(ref unavailable) >= 6 && away.Elapsed >= Outage, TimeSpan.FromSeconds(30), "503s during the outage");
                var get = await api.GetAsync($"/v2.0/networks/{net}");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, get.Status);
                Assert.Equal("ServiceUnavailable", get.ErrorType);
            }
            finally
            {
                server.ComeBack();
            }
            var before = acknowledged.Count;
            await WaitUntilAsync(() => acknowledged.Count >= before + 20, TimeSpan.FromSeconds(60), "ports after the outage");
        }
        finally
        {
            // The workers stop whatever happened, or they would keep the API busy forever.
            stop.Cancel();
            await Task.WhenAll(workers);
        }
        Assert.Empty(unexpected);

        // No acknowledged write lost; roll-backs that waited for the server have run.
        await NbConsistency.WaitUntilConsistentAsync(driver, TimeSpan.FromSeconds(20));
        var stored = (await driver.ListIdsAsync("lport")).ToHashSet();
        var lost = acknowledged.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"acknowledged but not stored: {string.Join(", ", lost)}");
        var listed = (await api.GetAsync("/v2.0/ports?device_id=vm")).Body!["ports"]!.AsArray().Select(p => (string)p!["id"]!).ToHashSet();
        Assert.True(listed.SetEquals(stored), $"API lists {listed.Count} ports, the NB DB holds {stored.Count}");
    }
}
