using Dragonflow.Controller.Apps;
using Dragonflow.Model;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// The dhcp app answering real DHCP clients (udhcpc, dhclient) in VM namespaces that have no
/// static address, on real chassis. The subnet has a gateway, a DHCP address, DNS servers and
/// a host route; the network an MTU different from the VM's initial one.
/// </summary>
public sealed class DhcpTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Gateway = "10.0.0.1";
    private const string DhcpIp = "10.0.0.2";
    private const int NetworkMtu = 1300;

    private ControllerSandbox _s = null!;
    private ChassisUnderTest _a = null!;
    private LogicalSwitch _net = null!;
    private string _subnetId = null!;
    private readonly DhcpClients _clients = new();

    public async Task InitializeAsync()
    {
        _s = await ControllerSandbox.CreateAsync();
        _a = await AddChassisAsync();
        _net = await _s.CreateNetworkAsync(100);
        _net = await _s.Api.UpdateAsync<LogicalSwitch>(_net.Id, n => n.Mtu = NetworkMtu);
        _subnetId = "sub-" + _net.Id;
        await _s.Api.UpdateAsync<LogicalSubnet>(_subnetId, s =>
        {
            s.GatewayIp = Gateway;
            s.DhcpIp = DhcpIp;
            s.DnsNameservers = ["192.0.2.53", "192.0.2.54"];
            s.HostRoutes = [new HostRoute("172.16.0.0/16", "10.0.0.254")];
        });
    }

    private async Task<ChassisUnderTest> AddChassisAsync()
    {
        var chassis = await _s.AddChassisAsync(startController: false);
        chassis.Options = chassis.Options with { Apps = ["l2", "tunneling", "dhcp", "aging"] };
        await chassis.StartControllerAsync();
        return chassis;
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _s.Chassis)
            output.WriteLine(c.Host + ":\n" + c.Ovs.TryOfctl("dump-flows", "br-int").StdOut + "\n" + string.Join("\n", c.Log.Entries.TakeLast(40)));
        _clients.Dispose();
        await _s.DisposeAsync();
    }

    /// <summary>A VM whose eth0 has no address (MTU 1400 until DHCP says otherwise).</summary>
    private async Task<(LogicalPort Port, VmNamespace Vm)> VmAsync(ChassisUnderTest chassis, int n)
    {
        var port = await _s.CreatePortAsync(_net, $"fa:16:3e:00:{_net.UniqueKey:x2}:{n:x2}", $"10.0.0.{n}");
        var vm = _s.Ovs.AddVm(chassis.Ovs, new VmOptions { Mac = port.Macs[0], IfaceId = port.Id });
        await _s.WaitForStatusAsync(port.Id, "ACTIVE", chassis.Host);
        return (port, vm);
    }

    private static string Addr(VmNamespace vm) => vm.Exec("ip", "-4", "addr", "show", "dev", "eth0").StdOut;

    private static string Routes(VmNamespace vm) => vm.Exec("ip", "-4", "route", "show").StdOut;

    [Fact]
    public async Task Udhcpc_gets_the_ports_address_gateway_dns_mtu_and_routes()
    {
        var (_, vm) = await VmAsync(_a, 10);
        Assert.DoesNotContain("inet ", Addr(vm));

        var result = _clients.Udhcpc(vm);
        Assert.True(result.Succeeded, result.ToString());

        Assert.Contains("inet 10.0.0.10/24", Addr(vm));
        Assert.Contains($"mtu {NetworkMtu}", vm.Exec("ip", "link", "show", "eth0").StdOut);
        var routes = Routes(vm);
        Assert.Contains($"default via {Gateway}", routes);
        Assert.Contains("172.16.0.0/16 via 10.0.0.254", routes);
        var env = _clients.UdhcpcEnv(vm, "bound");
        Assert.Equal("10.0.0.10", env["ip"]);
        Assert.Equal("255.255.255.0", env["subnet"]);
        Assert.Equal(Gateway, env["router"]);
        Assert.Equal("192.0.2.53 192.0.2.54", env["dns"].Trim());
        Assert.Equal("openstacklocal", env["domain"]);
        Assert.Equal(NetworkMtu.ToString(System.Globalization.CultureInfo.InvariantCulture), env["mtu"]);
        Assert.Equal(DhcpIp, env["serverid"]);
        Assert.Equal("86400", env["lease"]);
        Assert.Equal($"172.16.0.0/16 10.0.0.254 0.0.0.0/0 {Gateway}", env["staticroutes"].Trim());

        // The server address answers ARP, so a unicast renewal can reach it.
        vm.Exec("ping", "-c", "1", "-W", "1", DhcpIp);
        Assert.Contains("02:df:", vm.Exec("ip", "neigh", "show", DhcpIp).StdOut);
    }

    [Fact]
    public async Task Dhclient_gets_the_ports_address_gateway_dns_and_mtu_without_touching_the_hosts_files()
    {
        var hostResolv = File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : null;
        var (_, vm) = await VmAsync(_a, 11);

        var result = _clients.Dhclient(vm);
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains("DHCPACK", result.StdErr + result.StdOut);

        Assert.Contains("inet 10.0.0.11/24", Addr(vm));
        Assert.Contains($"mtu {NetworkMtu}", vm.Exec("ip", "link", "show", "eth0").StdOut);
        Assert.Contains($"default via {Gateway}", Routes(vm));
        var env = _clients.DhclientEnv(vm, "BOUND");
        Assert.Equal("10.0.0.11", env["new_ip_address"]);
        Assert.Equal("255.255.255.0", env["new_subnet_mask"]);
        Assert.Equal(Gateway, env["new_routers"]);
        Assert.Equal("192.0.2.53 192.0.2.54", env["new_domain_name_servers"]);
        Assert.Equal("openstacklocal", env["new_domain_name"]);
        Assert.Equal(NetworkMtu.ToString(System.Globalization.CultureInfo.InvariantCulture), env["new_interface_mtu"]);
        Assert.Equal(DhcpIp, env["new_dhcp_server_identifier"]);
        Assert.Equal(hostResolv, File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : null);
    }

    [Fact]
    public async Task With_dhcp_disabled_a_vm_gets_nothing_and_enabling_it_takes_effect_at_once()
    {
        await _s.Api.UpdateAsync<LogicalSubnet>(_subnetId, s => s.EnableDhcp = false);
        var (_, vm) = await VmAsync(_a, 12);
        var ofport = vm.Ofport;
        await Poll.UntilAsync(() => !HasDhcpFlow(ofport), TimeSpan.FromSeconds(10), "no DHCP flow for the port");

        var refused = _clients.Udhcpc(vm, tries: 3);
        Assert.False(refused.Succeeded, refused.ToString());
        Assert.DoesNotContain("inet ", Addr(vm));

        await _s.Api.UpdateAsync<LogicalSubnet>(_subnetId, s => s.EnableDhcp = true);
        await Poll.UntilAsync(() => HasDhcpFlow(ofport), TimeSpan.FromSeconds(10), "DHCP flow of the port");
        var granted = _clients.Udhcpc(vm);
        Assert.True(granted.Succeeded, granted.ToString());
        Assert.Contains("inet 10.0.0.12/24", Addr(vm));

        // And off again: the port's flow goes, a new attempt fails.
        await _s.Api.UpdateAsync<LogicalSubnet>(_subnetId, s => s.EnableDhcp = false);
        await Poll.UntilAsync(() => !HasDhcpFlow(ofport), TimeSpan.FromSeconds(10), "DHCP flow removed");
        vm.Exec("ip", "addr", "flush", "dev", "eth0");
        Assert.False(_clients.Udhcpc(vm, tries: 2).Succeeded);
    }

    private bool HasDhcpFlow(int ofport) =>
        _a.DumpFlows().Split('\n').Any(l => l.Contains("table=11,") && l.Contains($"in_port={ofport} "));

    [Fact]
    public async Task Two_vms_on_two_chassis_get_leases_and_ping_each_other()
    {
        var b = await AddChassisAsync();
        var (_, vm1) = await VmAsync(_a, 21);
        var (_, vm2) = await VmAsync(b, 22);

        var r1 = _clients.Udhcpc(vm1);
        Assert.True(r1.Succeeded, r1.ToString());
        var r2 = _clients.Dhclient(vm2);
        Assert.True(r2.Succeeded, r2.ToString());

        Assert.True(vm1.WaitForPing("10.0.0.22", TimeSpan.FromSeconds(10)), "vm1 -> vm2");
        Assert.True(vm2.WaitForPing("10.0.0.21", TimeSpan.FromSeconds(10)), "vm2 -> vm1");
    }
}
