using Dragonflow.NorthDb;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// The controllers on a distributed NB database with that database's pub/sub: etcd with its
/// watch, redis with redis pub/sub. Real servers, two chassis, VMs that ping.
/// </summary>
public sealed class DistributedBackendTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PingDeadline = TimeSpan.FromSeconds(15);

    /// <summary>
    /// etcd with its watch, zookeeper with ZeroMQ pub/sub: the NB server is killed and restarted
    /// on its data. Forwarding does not need it; a VM plugged meanwhile is bound once it is back
    /// (the binding write the controller could not make is retried), and a port created
    /// afterwards reaches both chassis.
    /// </summary>
    [Theory]
    [InlineData("etcd", "etcd")]
    [InlineData("zookeeper", "zmq")]
    public async Task Vms_ping_across_chassis_and_the_data_plane_survives_an_nb_outage(string backend, string pubSub)
    {
        using IDisposable server = backend == "etcd" ? new EtcdServer() : new ZooKeeperServer();
        var (endpoint, stop, start) = server switch
        {
            EtcdServer e => (e.Endpoint, (Action)e.Stop, (Action)e.Start),
            ZooKeeperServer z => (z.Endpoint, z.Stop, z.Start),
            _ => throw new InvalidOperationException(),
        };
        await using var s = await ControllerSandbox.CreateAsync(new NbOptions
        {
            NbDbClass = backend, PubSubDriver = pubSub, RemoteDbHosts = [endpoint],
        });
        try
        {
            var (a, b) = await TwoPingingVms(s);
            var p3 = await s.CreatePortAsync(_net!, "fa:16:3e:00:00:03", "10.0.0.3");
            // Both controllers know the port (its ARP responder is there) before the outage, so
            // plugging it during the outage makes one of them try to write its binding.
            foreach (var c in s.Chassis)
                await Poll.UntilAsync(() => c.DumpFlows().Contains("arp_tpa=10.0.0.3"), TimeSpan.FromSeconds(30), $"{c.Host} to learn the new port");

            // The NB database goes away: forwarding does not depend on it.
            stop();
            try
            {
                Assert.True(a.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)), "ping while the NB database is down");
                Assert.True(b.WaitForPing("10.0.0.1", TimeSpan.FromSeconds(10)), "and back");
                s.Plug(s.Chassis[1], p3);
                // Hold the outage until the controller has tried, and failed, to write the binding.
                await Poll.UntilAsync(() => s.Chassis[1].Log.Contains(LogLevel.Warning, $"writing the binding of port {p3.Id} failed"),
                    TimeSpan.FromSeconds(30), "the binding write to fail");
            }
            finally
            {
                start();
            }

            // Back again: the binding missed during the outage is written, so the other chassis
            // learns where the port is; a port created after the outage converges on both chassis.
            var p4 = await CreatePortWithRetry(s, "fa:16:3e:00:00:04", "10.0.0.4");
            await s.WaitForStatusAsync(p3.Id, "ACTIVE", s.Chassis[1].Host, TimeSpan.FromSeconds(30));
            Assert.True(a.WaitForPing("10.0.0.3", PingDeadline), "ping to a port plugged during the outage");
            var vm4 = s.Plug(s.Chassis[1], p4);
            await s.WaitForStatusAsync(p4.Id, "ACTIVE", s.Chassis[1].Host, TimeSpan.FromSeconds(30));
            Assert.True(a.WaitForPing("10.0.0.4", PingDeadline), "ping to a port created after the outage");
            Assert.True(vm4.WaitForPing("10.0.0.1", TimeSpan.FromSeconds(10)), "and back");
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    [Fact]
    public async Task Vms_ping_across_chassis_on_redis_with_redis_pub_sub()
    {
        using var redis = new RedisServer();
        await using var s = await ControllerSandbox.CreateAsync(new NbOptions
        {
            NbDbClass = "redis", PubSubDriver = "redis", RemoteDbHosts = [redis.Endpoint],
        });
        try
        {
            await TwoPingingVms(s);
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    private Dragonflow.Model.LogicalSwitch? _net;

    /// <summary>Two chassis, one network, a VM on each; returns them once they ping.</summary>
    private async Task<(Dragonflow.Testing.Sandbox.VmNamespace, Dragonflow.Testing.Sandbox.VmNamespace)> TwoPingingVms(ControllerSandbox s)
    {
        var a = await s.AddChassisAsync("geneve");
        var b = await s.AddChassisAsync("geneve");
        _net = await s.CreateNetworkAsync(300);
        var p1 = await s.CreatePortAsync(_net, "fa:16:3e:00:00:01", "10.0.0.1");
        var p2 = await s.CreatePortAsync(_net, "fa:16:3e:00:00:02", "10.0.0.2");
        var vm1 = s.Plug(a, p1);
        var vm2 = s.Plug(b, p2);
        await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host, TimeSpan.FromSeconds(30));
        await s.WaitForStatusAsync(p2.Id, "ACTIVE", b.Host, TimeSpan.FromSeconds(30));
        Assert.True(vm1.WaitForPing("10.0.0.2", PingDeadline), "across chassis\n" + a.DumpFlows() + "\n" + b.DumpFlows());
        Assert.True(vm2.WaitForPing("10.0.0.1", TimeSpan.FromSeconds(10)), "back across");
        return (vm1, vm2);
    }

    /// <summary>The first write after a restart may still meet the client reconnecting.</summary>
    private async Task<Dragonflow.Model.LogicalPort> CreatePortWithRetry(ControllerSandbox s, string mac, string ip)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                return await s.CreatePortAsync(_net!, mac, ip);
            }
            catch (NbBackendUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private void Dump(ControllerSandbox s)
    {
        foreach (var c in s.Chassis)
            output.WriteLine(c.Host + ":\n" + c.DumpFlows() + "\n" + string.Join("\n", c.Log.Entries.TakeLast(40)));
    }
}
