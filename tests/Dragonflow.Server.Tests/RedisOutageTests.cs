using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Testing.Backends;

namespace Dragonflow.Server.Tests;

/// <summary>A real redis NB database that goes away under port-create traffic and comes back.</summary>
public class RedisOutageTests
{
    static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString()]);
        kill.WaitForExit();
    }

    static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        await WaitUntilAsync(condition, timeout, () => what);

    static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(what());
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Redis_away_mid_traffic_gives_503s_and_no_half_written_port_and_service_resumes_when_it_is_back()
    {
        using var redis = new RedisServer();
        var driver = OutageBackend.ConnectRedis(redis);
        await using var api = await ApiHost.StartOnAsync(driver);
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.30.0.0/16");

        var created = 0;
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
                    Interlocked.Increment(ref created);
                else if (reply.Status == HttpStatusCode.ServiceUnavailable && reply.ErrorType == "ServiceUnavailable")
                    Interlocked.Increment(ref unavailable);
                else
                    unexpected.Add($"{(int)reply.Status} {reply.Text}");
            }
        })).ToList();

        var pid = redis.Pid!.Value;
        try
        {
            await WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref created) >= 20), TimeSpan.FromSeconds(30), "20 ports before the outage");
            Signal(pid, "STOP"); // redis hangs: every NB call times out
            await WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref unavailable) >= 6), TimeSpan.FromSeconds(30), "503s during the outage");
        }
        finally
        {
            Signal(pid, "CONT");
        }
        var before = Volatile.Read(ref created);
        await WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref created) >= before + 20), TimeSpan.FromSeconds(30), "ports after the outage");
        stop.Cancel();
        await Task.WhenAll(workers);
        Assert.Empty(unexpected);

        // Roll-backs that waited for redis have run: every port whole, no orphan claim.
        await NbConsistency.WaitUntilConsistentAsync(driver, TimeSpan.FromSeconds(30));
        var listed = (await api.GetAsync("/v2.0/ports?device_id=vm")).Body!["ports"]!.AsArray().Count;
        Assert.Equal((await driver.ListIdsAsync("lport")).Count, listed);

        // A restart (this redis keeps nothing on disk): 503 while it is down, service again once it is up.
        redis.Stop();
        var down = await api.PostAsync("/v2.0/networks", """{"network":{"name":"during"}}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Equal("ServiceUnavailable", down.ErrorType);
        redis.Start();
        await WaitUntilAsync(async () => (await api.PostAsync("/v2.0/networks", """{"network":{"name":"after"}}""")).Status == HttpStatusCode.Created,
            TimeSpan.FromSeconds(30), "network create after redis is back");
    }
}
