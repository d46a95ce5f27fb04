using Dragonflow.Testing.NorthDb;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>VMs on two chassis, each with its controller, over a real tunnel.</summary>
public sealed class TwoChassisTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PingDeadline = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("geneve")]
    [InlineData("vxlan")]
    public async Task Vms_on_one_network_ping_on_the_same_chassis_and_across_chassis(string tunnel)
    {
        await using var s = await ControllerSandbox.CreateAsync();
        try
        {
            var a = await s.AddChassisAsync(tunnel);
            var b = await s.AddChassisAsync(tunnel);
            var net = await s.CreateNetworkAsync(100, tunnel);
            var p1 = await s.CreatePortAsync(net, "fa:16:3e:00:00:01", "10.0.0.1");
            var p2 = await s.CreatePortAsync(net, "fa:16:3e:00:00:02", "10.0.0.2");
            var p3 = await s.CreatePortAsync(net, "fa:16:3e:00:00:03", "10.0.0.3");
            var vm1 = s.Plug(a, p1);
            var vm2 = s.Plug(a, p2);
            var vm3 = s.Plug(b, p3);

            var bound = await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
            Assert.Equal(a.Host, bound.BindingHostId);
            await s.WaitForStatusAsync(p3.Id, "ACTIVE", b.Host);

            Assert.True(vm1.WaitForPing("10.0.0.2", PingDeadline), "same chassis\n" + s.Diagnostics());
            Assert.True(vm1.WaitForPing("10.0.0.3", PingDeadline), $"across chassis over {tunnel}\n" + a.DumpFlows() + "\n" + b.DumpFlows());
            Assert.True(vm3.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)), "back across");
        }
        catch
        {
            foreach (var c in s.Chassis) output.WriteLine(c.Host + ":\n" + c.DumpFlows() + "\n" + string.Join("\n", c.Log.Entries.TakeLast(40)));
            throw;
        }
    }
}
