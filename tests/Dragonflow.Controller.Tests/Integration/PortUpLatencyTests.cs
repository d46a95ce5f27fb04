using System.Diagnostics;
using Dragonflow.Model;
using Dragonflow.Testing.NorthDb;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// Port-up latency: from the NB write of a new port whose interface is already plugged to its
/// flows being acknowledged by the switch's barrier, with N other ports of the same network
/// already in NB (bound to another chassis, so this chassis holds flows for all of them).
/// The numbers are printed; the bound asserted is loose (a regression guard, not the target).
/// </summary>
public sealed class PortUpLatencyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(10000)]
    public async Task Port_up_latency_does_not_grow_with_the_ports_in_nb(int existingPorts)
    {
        await using var s = await ControllerSandbox.CreateAsync();
        var a = await s.AddChassisAsync();
        var net = await s.CreateNetworkAsync(100);
        await s.Api.CreateAsync(new Chassis { Id = "elsewhere", Ip = "172.31.255.99", TunnelTypes = ["geneve"] });
        var fill = Stopwatch.StartNew();
        for (var i = 0; i < existingPorts; i++)
        {
            await s.Api.CreateAsync(new LogicalPort
            {
                Id = $"other-{i}", Topic = net.Topic, Lswitch = net.Id, Chassis = "elsewhere", Status = "ACTIVE",
                Macs = [$"fa:16:3e:10:{i >> 8:x2}:{i & 0xff:x2}"], Ips = [new FixedIp("s", $"10.1.{i >> 8}.{i & 0xff}")],
                UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalPort>(),
            });
        }
        await Poll.UntilAsync(() => a.Controller!.CachedPortCount >= existingPorts, TimeSpan.FromSeconds(60), "ports in the cache");
        output.WriteLine($"{existingPorts} ports written and cached in {fill.ElapsedMilliseconds} ms");

        const int samples = 40;
        var latencies = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var id = $"new-{i}";
            var installed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnInstalled(string port)
            {
                if (port == id) installed.TrySetResult();
            }
            a.Ovs.Vsctl("add-port", "br-int", $"pu{i}", "--", "set", "Interface", $"pu{i}", "type=internal", $"external_ids:iface-id={id}");
            await Poll.UntilAsync(() => a.Log.Contains(Microsoft.Extensions.Logging.LogLevel.Information, $"port {id} plugged"),
                TimeSpan.FromSeconds(10), "the interface seen");
            a.Controller!.PortFlowsInstalled += OnInstalled;
            var key = await s.Api.AllocateUniqueKeyAsync<LogicalPort>();
            var clock = Stopwatch.StartNew();
            await s.Api.CreateAsync(new LogicalPort
            {
                Id = id, Topic = net.Topic, Lswitch = net.Id, Macs = [$"fa:16:3e:20:00:{i:x2}"],
                Ips = [new FixedIp("s", $"10.2.0.{i + 1}")], UniqueKey = key,
            });
            await installed.Task.WaitAsync(TimeSpan.FromSeconds(10));
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            a.Controller.PortFlowsInstalled -= OnInstalled;
        }
        latencies.Sort();
        var p50 = latencies[latencies.Count / 2];
        var p99 = latencies[(int)Math.Ceiling(latencies.Count * 0.99) - 1];
        output.WriteLine($"port-up with {existingPorts} ports in NB: p50 {p50:F2} ms, p99 {p99:F2} ms, max {latencies[^1]:F2} ms over {samples}");
        Assert.True(p50 < 100, $"p50 {p50:F2} ms");
    }
}
