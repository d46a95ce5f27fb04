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

    private async Task<ChassisUnderTest> AddChassisAsync(string dnsDomain = "openstacklocal")
    {
        var chassis = await _s.AddChassisAsync(startController: false);
        chassis.Options = chassis.Options with { Apps = ["l2", "tunneling", "dhcp", "aging"], DnsDomain = dnsDomain };
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
        Assert.Equal("host-10-0-0-10", env["hostname"]); // Neutron's name for a port without dns_name

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

    [Fact]
    public async Task A_ports_extra_options_dns_name_and_the_configured_domain_reach_udhcpc()
    {
        var b = await AddChassisAsync(dnsDomain: "cloud.example.");
        var port = await _s.CreatePortAsync(_net, $"fa:16:3e:00:{_net.UniqueKey:x2}:30", "10.0.0.30");
        await _s.Api.UpdateAsync<LogicalPort>(port.Id, p =>
        {
            p.DnsName = "web-1";
            p.ExtraDhcpOpts =
            [
                new ExtraDhcpOption("tftp-server", "192.0.2.10"),
                new ExtraDhcpOption("bootfile-name", "pxelinux.0"),
                new ExtraDhcpOption("server-ip-address", "192.0.2.10"),
                new ExtraDhcpOption("42", "192.0.2.123"), // NTP servers, by number
                new ExtraDhcpOption("dns-server", "192.0.2.99"), // replaces the subnet's
                new ExtraDhcpOption("bootfile-name", "grubx64.efi", IpVersion: 6), // for DHCPv6: not sent here
                new ExtraDhcpOption("no-such-option", "x"),
            ];
        });
        var vm = _s.Ovs.AddVm(b.Ovs, new VmOptions { Mac = port.Macs[0], IfaceId = port.Id });
        await _s.WaitForStatusAsync(port.Id, "ACTIVE", b.Host);

        var result = _clients.Udhcpc(vm);
        Assert.True(result.Succeeded, result.ToString());
        var env = _clients.UdhcpcEnv(vm, "bound");
        Assert.Equal("10.0.0.30", env["ip"]);
        Assert.Equal("web-1", env["hostname"]);
        Assert.Equal("cloud.example", env["domain"]);
        Assert.Equal("192.0.2.10", env["tftp"]);
        Assert.Equal("pxelinux.0", env["bootfile"]);
        Assert.Equal("192.0.2.10", env["siaddr"]);
        Assert.Equal("192.0.2.123", env["ntpsrv"].Trim());
        Assert.Equal("192.0.2.99", env["dns"].Trim());
        // The subnet's host route is still there, and its options the port did not replace.
        Assert.Contains("172.16.0.0/16 via 10.0.0.254", Routes(vm));
        Assert.Equal(Gateway, env["router"]);
        Assert.True(b.Log.Contains(Microsoft.Extensions.Logging.LogLevel.Warning, "no-such-option: unknown option name"), "the option that cannot be sent is logged");
    }

    [Fact]
    public async Task A_lease_is_renewed_by_a_unicast_request_from_the_clients_address()
    {
        var (port, vm) = await VmAsync(_a, 40);
        var client = _clients.UdhcpcDaemon(vm);
        var bound = _clients.UdhcpcEnv(vm, "bound");
        Assert.Equal("10.0.0.40", bound["ip"]);
        int Acks() => _a.Log.Entries.Count(e => e.Message.Contains($"DHCP Request from port {port.Id}: Ack 10.0.0.40", StringComparison.Ordinal));
        var acks = Acks();

        Dragonflow.Testing.ProcessRunner.RunChecked("kill", "-USR1", client.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Poll.UntilAsync(() => _clients.UdhcpcEnv(vm, "renew").Count > 0, TimeSpan.FromSeconds(10), "udhcpc renewed its lease");
        var renewed = _clients.UdhcpcEnv(vm, "renew");
        Assert.Equal("10.0.0.40", renewed["ip"]);
        Assert.Equal("86400", renewed["lease"]);
        Assert.Equal(acks + 1, Acks());
        Assert.True(client.IsRunning, "the client still holds its lease");
        // Unicast: the client asked the server's address, whose MAC it learnt by ARP.
        Assert.Contains("02:df:", vm.Exec("ip", "neigh", "show", DhcpIp).StdOut);
    }

    [Fact]
    public async Task A_vm_on_a_vlan_provider_network_gets_its_lease_from_its_own_chassis()
    {
        var chassis = await _s.AddChassisAsync(startController: false);
        chassis.Options = chassis.Options with { Apps = ["l2", "tunneling", "provider", "dhcp", "aging"], BridgeMappings = ["physnet1:br-phys1"] };
        await chassis.StartControllerAsync();
        var id = "net-" + Guid.NewGuid().ToString("n")[..8];
        var vlan = await _s.Api.CreateAsync(new LogicalSwitch
        {
            Id = id, Topic = "tenant1", NetworkType = "vlan", PhysicalNetwork = "physnet1", SegmentationId = 300, Subnets = ["sub-" + id],
            UniqueKey = await _s.Api.AllocateUniqueKeyAsync<LogicalSwitch>(),
        });
        await _s.Api.CreateAsync(new LogicalSubnet { Id = "sub-" + id, Topic = "tenant1", Lswitch = id, Cidr = "10.30.0.0/24", GatewayIp = "10.30.0.1", DhcpIp = "10.30.0.2" });
        var port = await _s.CreatePortAsync(vlan, "fa:16:3e:30:00:05", "10.30.0.5");
        var vm = _s.Ovs.AddVm(chassis.Ovs, new VmOptions { Mac = port.Macs[0], IfaceId = port.Id });
        await _s.WaitForStatusAsync(port.Id, "ACTIVE", chassis.Host);

        var result = _clients.Udhcpc(vm);
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains("inet 10.30.0.5/24", Addr(vm));
        Assert.Equal("10.30.0.2", _clients.UdhcpcEnv(vm, "bound")["serverid"]);
    }
}
