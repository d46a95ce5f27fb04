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
    private LogicalPort _portA = null!;
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
        var portB = await _s.CreatePortAsync(net, MacB, IpB);
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
        Assert.True(_a.Ping(IpB), "the port's own IP still");
        Assert.True(await _probe.ArrivesAsync(_a, IpB, "pair", Deadline, source: second), "UDP from the address pair's IP");

        // A CIDR pair covers the whole prefix.
        await _s.Api.UpdateAsync<LogicalPort>(_portA.Id, p => p.AllowedAddressPairs = [new AddressPair("10.0.0.48/29")]);
        _a.Namespace.ExecChecked("ip", "addr", "add", "10.0.0.55/24", "dev", "eth0");
        Assert.True(await AnswersAsync(_a, IpB, "10.0.0.55"), "an address in the CIDR pair");

        await _s.Api.UpdateAsync<LogicalPort>(_portA.Id, p => p.AllowedAddressPairs = []);
        Assert.True(await NeverAnswersAsync(_a, IpB, second), "the pair's IP after the pair was removed");
        Assert.True(_a.Ping(IpB), "the port's own IP after the pair was removed");
    }

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
    private static async Task<bool> NeverAnswersAsync(VmNamespace vm, string ip, string? source = null)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (Ping(vm, ip, source))
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(200);
        }
        return !Ping(vm, ip, source) && !Ping(vm, ip, source);
    }
}
