using Dragonflow.NorthDb;
using Dragonflow.Testing.Backends;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// The controllers on a distributed NB database with that database's pub/sub: etcd with its
/// watch, redis with redis pub/sub. Real servers, two chassis, VMs that ping.
/// </summary>
public sealed class DistributedBackendTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PingDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Vms_ping_across_chassis_on_etcd_and_the_data_plane_survives_an_etcd_outage()
    {
        using var etcd = new EtcdServer();
        await using var s = await ControllerSandbox.CreateAsync(new NbOptions
        {
            NbDbClass = "etcd", PubSubDriver = "etcd", RemoteDbHosts = [etcd.Endpoint],
        });
        try
        {
            var (a, b) = await TwoPingingVms(s);

            // The NB database goes away: forwarding does not depend on it.
            etcd.Stop();
            Assert.True(a.Ping("10.0.0.2"), "ping while etcd is down");
            etcd.Start();

            // Back again: a port created after the outage converges on both chassis.
            var p3 = await CreatePortWithRetry(s, "fa:16:3e:00:00:03", "10.0.0.3");
            var vm3 = s.Plug(s.Chassis[1], p3);
            await s.WaitForStatusAsync(p3.Id, "ACTIVE", s.Chassis[1].Host, TimeSpan.FromSeconds(30));
            Assert.True(a.WaitForPing("10.0.0.3", PingDeadline), "ping to a port created after the outage");
            Assert.True(vm3.Ping("10.0.0.1"), "and back");
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
        Assert.True(vm2.Ping("10.0.0.1"), "back across");
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
