using System.Globalization;
using System.Text;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Ovsdb.Tests.Harness;

/// <summary>
/// Proves the sandbox the later integration tests stand on: chassis in their own namespaces
/// joined by an underlay, a flow-based tunnel port per chassis, VMs plugged into br-int, and
/// hand-written L2 flows (as in two-chassis-sandbox.sh) — VMs ping each other across chassis.
/// </summary>
public class TunnelSandboxTests
{
    private const int TunnelOfport = 100;
    private const int VmOfport = 1;
    private const int Vni = 100;

    [Theory]
    [InlineData("vxlan")]
    [InlineData("geneve")]
    public void VmsOnTwoChassisPingAcrossTheTunnel(string tunnelType)
    {
        using var sandbox = new OvsSandbox();
        var vms = new List<VmNamespace>();
        for (var i = 1; i <= 2; i++) vms.Add(AddChassisWithVm(sandbox, tunnelType, i));
        InstallMeshFlows(sandbox, vms);

        Assert.True(sandbox.Chassis[0].Exec("ping", "-c", "1", "-W", "2", sandbox.Chassis[1].UnderlayIp!).Succeeded,
            "underlay ping failed\n" + sandbox.Diagnostics());
        Assert.True(vms[0].WaitForPing(vms[1].Ip!, TimeSpan.FromSeconds(10)), "overlay ping failed\n" + sandbox.Diagnostics());
        var result = vms[1].PingResult(vms[0].Ip!, count: 3);
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains("3 received", result.StdOut);

        // The packets really went through the tunnel port.
        Assert.Matches("n_packets=[1-9]", sandbox.Chassis[0].Ofctl("dump-flows", "br-int", $"in_port={TunnelOfport}"));
    }

    [Fact]
    public void AThirdChassisCanJoinLater()
    {
        using var sandbox = new OvsSandbox();
        var vms = new List<VmNamespace> { AddChassisWithVm(sandbox, "geneve", 1), AddChassisWithVm(sandbox, "geneve", 2) };
        InstallMeshFlows(sandbox, vms);
        Assert.True(vms[0].WaitForPing(vms[1].Ip!, TimeSpan.FromSeconds(10)), sandbox.Diagnostics());

        vms.Add(AddChassisWithVm(sandbox, "geneve", 3));
        InstallMeshFlows(sandbox, vms);
        Assert.Equal("172.31.255.3", sandbox.Chassis[2].UnderlayIp);
        Assert.True(vms[2].WaitForPing(vms[0].Ip!, TimeSpan.FromSeconds(10)), sandbox.Diagnostics());
        Assert.True(vms[1].WaitForPing(vms[2].Ip!, TimeSpan.FromSeconds(10)), sandbox.Diagnostics());
    }

    [Fact]
    public void SandboxRemovesEveryNamespaceAndDaemonItCreated()
    {
        List<string> namespaces;
        List<DaemonProcess> daemons;
        using (var sandbox = new OvsSandbox())
        {
            AddChassisWithVm(sandbox, "vxlan", 1);
            namespaces = sandbox.Chassis.Select(c => c.Name).Concat(sandbox.Vms.Select(v => v.Name)).ToList();
            daemons = sandbox.Chassis.SelectMany(c => new[]
            {
                new DaemonProcess("ovsdb-server", c.Ovsdb.Pid!.Value), new DaemonProcess("ovs-vswitchd", c.VswitchdPid!.Value),
            }).ToList();
            var listed = Dragonflow.Testing.ProcessRunner.RunChecked("ip", "netns", "list").StdOut;
            Assert.All(namespaces, n => Assert.Contains(n, listed));
            Assert.All(daemons, d => Assert.True(d.IsRunning));
        }
        var after = Dragonflow.Testing.ProcessRunner.RunChecked("ip", "netns", "list").StdOut;
        Assert.All(namespaces, n => Assert.DoesNotContain(n, after));
        Assert.All(namespaces, n => Assert.False(Directory.Exists(Path.Combine("/etc/netns", n))));
        Assert.All(daemons, d => Assert.False(d.IsRunning));
    }

    private static VmNamespace AddChassisWithVm(OvsSandbox sandbox, string tunnelType, int index)
    {
        var chassis = sandbox.AddChassis();
        chassis.AddBridge("br-int", failMode: "secure", datapathId: index.ToString("x16", CultureInfo.InvariantCulture), "protocols=OpenFlow13");
        chassis.Vsctl("add-port", "br-int", "tun0", "--", "set", "Interface", "tun0", $"type={tunnelType}",
            $"ofport_request={TunnelOfport}", "options:remote_ip=flow", $"options:local_ip={chassis.UnderlayIp}", "options:key=flow");
        return sandbox.AddVm(chassis, new VmOptions
        {
            Mac = $"02:00:00:00:00:{index:x2}",
            IpCidr = $"10.99.0.{index}/24",
            IfaceId = $"lport-{index}",
            OfportRequest = VmOfport,
        });
    }

    /// <summary>Plain L2 over a flow-based tunnel: unicast to the chassis hosting the
    /// destination MAC, broadcast to every other chassis, tunnel traffic to the local VM.</summary>
    private static void InstallMeshFlows(OvsSandbox sandbox, IReadOnlyList<VmNamespace> vms)
    {
        foreach (var vm in vms)
        {
            var chassis = vm.Chassis;
            var others = vms.Where(v => v != vm).ToList();
            var flows = new StringBuilder();
            foreach (var o in others)
                flows.AppendLine($"table=0,priority=100,in_port={VmOfport},dl_dst={o.Mac},actions=set_field:{Vni}->tun_id," +
                                 $"set_field:{o.Chassis.UnderlayIp}->tun_dst,output:{TunnelOfport}");
            flows.AppendLine($"table=0,priority=90,in_port={VmOfport},dl_dst=ff:ff:ff:ff:ff:ff,actions=set_field:{Vni}->tun_id," +
                             string.Join(",", others.Select(o => $"set_field:{o.Chassis.UnderlayIp}->tun_dst,output:{TunnelOfport}")));
            flows.AppendLine($"table=0,priority=100,in_port={TunnelOfport},tun_id={Vni},actions=output:{VmOfport}");
            flows.AppendLine("table=0,priority=0,actions=drop");
            chassis.Ofctl("del-flows", "br-int");
            chassis.AddFlows("br-int", flows.ToString());
            Assert.Equal(VmOfport, vm.Ofport);
        }
    }
}
