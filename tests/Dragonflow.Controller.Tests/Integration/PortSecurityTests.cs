using Dragonflow.Model;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// The portsec app on two real chassis with VMs as namespaces: a VM that changes its MAC or
/// its source IP is cut off, an allowed address pair lets a second IP through, and
/// port_security_enabled=false lifts the checks. Port changes are written to NB as the API
/// server writes them. Reachability is asked of real traffic: pings, and one-way UDP where a
/// spoofed MAC leaves no way back.
/// </summary>
public sealed class PortSecurityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string MacA = "fa:16:3e:00:5e:0a", IpA = "10.0.0.10";
    private const string MacB = "fa:16:3e:00:5e:14", IpB = "10.0.0.20";
    private const string Spoofed = "fa:16:3e:00:5e:99";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>How long a probe that must not arrive keeps being sent (flows are in by then; this is no wait for them).</summary>
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(3);

    private ControllerSandbox _s = null!;
    private LogicalPort _portA = null!, _portB = null!;
    private VmNamespace _a = null!, _b = null!;
    private UdpProbe _probe = null!;

    public async Task InitializeAsync()
    {
        _s = await ControllerSandbox.CreateAsync();
        _s.Apps = ["l2", "tunneling", "portsec", "aging"];
        var chassisA = await _s.AddChassisAsync("geneve");
        var chassisB = await _s.AddChassisAsync("geneve");
        var net = await _s.CreateNetworkAsync(300);
        _portA = await _s.CreatePortAsync(net, MacA, IpA);
        var portB = _portB = await _s.CreatePortAsync(net, MacB, IpB);
        _a = _s.Plug(chassisA, _portA);
        _b = _s.Plug(chassisB, portB);
        await _s.WaitForStatusAsync(_portA.Id, "ACTIVE", chassisA.Host);
        await _s.WaitForStatusAsync(portB.Id, "ACTIVE", chassisB.Host);
        _probe = new UdpProbe(_b);
        Assert.True(_a.WaitForPing(IpB, Deadline), "A reaches B from its own MAC and IP");
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _s.Chassis)
            output.WriteLine(c.Host + ":\n" + c.Ovs.TryOfctl("dump-flows", "br-int").StdOut + "\n" + string.Join("\n", c.Log.Entries.TakeLast(30)));
        _probe?.Dispose();
        _a?.Dispose();
        _b?.Dispose();
        await _s.DisposeAsync();
    }

    [Fact]
    public async Task A_vm_that_changes_its_mac_or_source_ip_is_cut_off_and_disabling_port_security_lifts_it()
    {
        Assert.True(await _probe.ArrivesAsync(_a, IpB, "own", Deadline), "UDP from the port's own MAC and IP");

        // Another MAC: B's address is pinned in A's neighbour table, so only the data frame is judged.
        SetMac(_a, Spoofed);
        Assert.False(await _probe.ArrivesAsync(_a, IpB, "spoofed-mac", Silence), "a frame from another MAC got through");
        SetMac(_a, MacA);
        Assert.True(await _probe.ArrivesAsync(_a, IpB, "mac-restored", Deadline), "the port's own MAC again");

        // Another source IP (the port's own address gone, one nobody gave it in its place).
        SetAddress(_a, IpA, "10.0.0.66");
        Assert.True(await NeverAnswersAsync(_a, IpB), "a VM with a spoofed source IP still reaches B");
        Assert.False(await _probe.ArrivesAsync(_a, IpB, "spoofed-ip", Silence), "UDP from a spoofed IP got through");

        // port_security_enabled=false: both spoofs pass.
        await _s.Api.UpdateAsync<LogicalPort>(_portA.Id, p => p.PortSecurityEnabled = false);
        Assert.True(_a.WaitForPing(IpB, Deadline), "spoofed IP with port security disabled");
        SetMac(_a, Spoofed);
        Assert.True(await _probe.ArrivesAsync(_a, IpB, "spoofed-mac-allowed", Deadline), "spoofed MAC with port security disabled");

        // And on again: cut off again.
        await _s.Api.UpdateAsync<LogicalPort>(_portA.Id, p => p.PortSecurityEnabled = true);
        SetMac(_a, MacA);
        Assert.True(await NeverAnswersAsync(_a, IpB), "the spoofed IP is not cut off once port security is back on");
        SetAddress(_a, "10.0.0.66", IpA);
        Assert.True(_a.WaitForPing(IpB, Deadline), "the port's own address after port security is back on");
    }

    [Fact]
    public async Task An_allowed_address_pair_lets_a_second_ip_through_until_it_is_removed()
    {
        const string second = "10.0.0.50";
        _a.Namespace.ExecChecked("ip", "addr", "add", second + "/24", "dev", "eth0");
        Assert.True(await NeverAnswersAsync(_a, IpB, second), "a second IP without an address pair");

        await _s.Api.UpdateAsync<LogicalPort>(_portA.Id, p => p.AllowedAddressPairs = [new AddressPair(second)]);
        Assert.True(await AnswersAsync(_a, IpB, second), "the address pair's IP");
        Assert.True(_a.WaitForPing(IpB, TimeSpan.FromSeconds(10)), "the port's own IP still");
        Assert.True(await _probe.ArrivesAsync(_a, IpB, "pair", Deadline, source: second), "UDP from the address pair's IP");

        // A CIDR pair covers the whole prefix.
        await _s.Api.UpdateAsync<LogicalPort>(_portA.Id, p => p.AllowedAddressPairs = [new AddressPair("10.0.0.48/29")]);
        _a.Namespace.ExecChecked("ip", "addr", "add", "10.0.0.55/24", "dev", "eth0");
        Assert.True(await AnswersAsync(_a, IpB, "10.0.0.55"), "an address in the CIDR pair");

        await _s.Api.UpdateAsync<LogicalPort>(_portA.Id, p => p.AllowedAddressPairs = []);
        Assert.True(await NeverAnswersAsync(_a, IpB, second), "the pair's IP after the pair was removed");
        Assert.True(_a.WaitForPing(IpB, TimeSpan.FromSeconds(10)), "the port's own IP after the pair was removed");
    }

    [Fact]
    public async Task Ipv6_passes_from_the_ports_address_and_its_link_local_address_not_from_another()
    {
        await _s.Api.UpdateAsync<LogicalPort>(_portA.Id, p => p.Ips.Add(new FixedIp("sub6", "2001:db8::10")));
        await _s.Api.UpdateAsync<LogicalPort>(_portB.Id, p => p.Ips.Add(new FixedIp("sub6", "2001:db8::20")));
        foreach (var (vm, ip) in new[] { (_a, "2001:db8::10"), (_b, "2001:db8::20") })
        {
            // The link-local address comes with DAD (a neighbour solicitation from ::) and MLD reports.
            vm.Namespace.Sysctl("net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0", "net.ipv6.conf.eth0.disable_ipv6=0");
            vm.Namespace.ExecChecked("ip", "-6", "addr", "add", ip + "/64", "dev", "eth0", "nodad");
        }
        var linkLocalB = "fe80::f816:3eff:fe00:5e14";
        Assert.True(await Ping6Async(_a, linkLocalB + "%eth0"), "B's link-local address from A's");
        Assert.True(await Ping6Async(_a, "2001:db8::20"), "B's address from A's");

        _a.Namespace.ExecChecked("ip", "-6", "addr", "del", "2001:db8::10/64", "dev", "eth0");
        _a.Namespace.ExecChecked("ip", "-6", "addr", "add", "2001:db8::66/64", "dev", "eth0", "nodad");
        Assert.True(await NeverAnswers6Async(_a, "2001:db8::20"), "an IPv6 address that is not the port's still reaches B");
        Assert.True(await Ping6Async(_a, linkLocalB + "%eth0"), "the link-local address still passes");
    }

    private static bool Ping6(VmNamespace vm, string ip) => vm.Exec("ping", "-6", "-c", "1", "-W", "1", ip).Succeeded;

    private static async Task<bool> Ping6Async(VmNamespace vm, string ip)
    {
        var deadline = DateTime.UtcNow + Deadline; // the link-local address needs its DAD first
        while (!Ping6(vm, ip))
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(200);
        }
        return true;
    }

    private static Task<bool> NeverAnswers6Async(VmNamespace vm, string ip) => StopsAnswering.WithinAsync(() => Ping6(vm, ip), Deadline);

    private static void SetMac(VmNamespace vm, string mac)
    {
        vm.Namespace.ExecChecked("ip", "link", "set", "eth0", "address", mac);
        vm.Namespace.ExecChecked("ip", "neigh", "replace", IpB, "lladdr", MacB, "dev", "eth0", "nud", "permanent");
    }

    private static void SetAddress(VmNamespace vm, string from, string to)
    {
        vm.Namespace.ExecChecked("ip", "addr", "del", from + "/24", "dev", "eth0");
        vm.Namespace.ExecChecked("ip", "addr", "add", to + "/24", "dev", "eth0");
    }

    private static bool Ping(VmNamespace vm, string ip, string? source) =>
        source is null ? vm.Ping(ip) : vm.Exec("ping", "-c", "1", "-W", "1", "-I", source, ip).Succeeded;

    private static async Task<bool> AnswersAsync(VmNamespace vm, string ip, string? source = null)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!Ping(vm, ip, source))
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(100);
        }
        return true;
    }

    /// <summary>Pings stop within a deadline (flows change asynchronously) and stay stopped.</summary>
    private static Task<bool> NeverAnswersAsync(VmNamespace vm, string ip, string? source = null) =>
        StopsAnswering.WithinAsync(() => Ping(vm, ip, source), Deadline);
}
