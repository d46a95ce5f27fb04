using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Redis;
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

    static string OwnerOf(NbEntry e) => JsonNode.Parse(e.Value)!["owner"]!.GetValue<string>();

    /// <summary>Every port has its claims and every claim an owner that exists: nothing half-written.</summary>
    static async Task<string?> InconsistencyAsync(INbDriver driver)
    {
        var ports = (await driver.ListAsync("lport")).Select(e => JsonNode.Parse(e.Value)!).ToDictionary(p => (string)p["id"]!);
        var owners = ports.Keys.Concat(await driver.ListIdsAsync("lsubnet")).Concat(await driver.ListIdsAsync("lswitch")).Append("dhcp").ToHashSet();
        foreach (var table in new[] { "ipam_ip", "ipam_mac", "ipam_netport", "index_port_device" })
            foreach (var claim in await driver.ListAsync(table))
                if (!owners.Contains(OwnerOf(claim)))
                    return $"{table}/{claim.Id} owned by {OwnerOf(claim)}, which does not exist";
        var ipOwners = (await driver.ListAsync("ipam_ip")).Select(OwnerOf).ToHashSet();
        var netports = (await driver.ListIdsAsync("ipam_netport")).ToHashSet();
        foreach (var id in ports.Keys)
            if (!ipOwners.Contains(id) || !netports.Contains(id))
                return $"port {id} lacks its claims";
        return null;
    }

    [Fact]
    public async Task Redis_away_mid_traffic_gives_503s_and_no_half_written_port_and_service_resumes_when_it_is_back()
    {
        using var redis = new RedisServer();
        var driver = new RedisNbDriver([redis.Endpoint], TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
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
        string? problem = "";
        await WaitUntilAsync(async () => (problem = await InconsistencyAsync(driver)) is null, TimeSpan.FromSeconds(15), () => $"a consistent NB: {problem}");
        var listed = (await api.GetAsync("/v2.0/ports?device_id=vm")).Body!["ports"]!.AsArray().Count;
        Assert.Equal((await driver.ListIdsAsync("lport")).Count, listed);

        // A restart (this redis keeps nothing on disk): 503 while it is down, service again once it is up.
        redis.Stop();
        var down = await api.PostAsync("/v2.0/networks", """{"network":{"name":"during"}}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Equal("ServiceUnavailable", down.ErrorType);
        redis.Start();
        await WaitUntilAsync(async () => (await api.PostAsync("/v2.0/networks", """{"network":{"name":"after"}}""")).Status == HttpStatusCode.Created,
            TimeSpan.FromSeconds(20), "network create after redis is back");
    }
}
