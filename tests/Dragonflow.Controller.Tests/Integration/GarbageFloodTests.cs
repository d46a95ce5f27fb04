using System.Diagnostics;
using System.Text.RegularExpressions;
using Dragonflow.Controller.Apps.PortSecurity;
using Dragonflow.Model;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// A VM that floods garbage DHCP, IPv4 and ARP frames (raw AF_PACKET writes from its namespace)
/// does not stop another VM on the same chassis from getting its lease in normal time: the
/// controller keeps serving, drops and logs the malformed DHCP packets (a per-port rate limit
/// bounds what one VM makes it do), and portsec drops the spoofed ARP in the switch.
/// </summary>
public sealed partial class GarbageFloodTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ControllerSandbox _s = null!;
    private ChassisUnderTest _a = null!;
    private LogicalSwitch _net = null!;
    private readonly DhcpClients _clients = new();

    public async Task InitializeAsync()
    {
        _s = await ControllerSandbox.CreateAsync();
        _s.Apps = ["l2", "tunneling", "dhcp", "portsec", "aging"];
        _a = await _s.AddChassisAsync("geneve");
        _net = await _s.CreateNetworkAsync(400);
        await _s.Api.UpdateAsync<LogicalSubnet>("sub-" + _net.Id, s =>
        {
            s.GatewayIp = "10.0.0.1";
            s.DhcpIp = "10.0.0.2";
        });
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _s.Chassis)
            output.WriteLine(c.Host + ":\n" + c.Ovs.TryOfctl("dump-flows", "br-int").StdOut + "\n" + string.Join("\n", c.Log.Entries.TakeLast(40)));
        _clients.Dispose();
        await _s.DisposeAsync();
    }

    private async Task<VmNamespace> VmAsync(int n)
    {
        var port = await _s.CreatePortAsync(_net, $"fa:16:3e:00:f1:{n:x2}", $"10.0.0.{n}");
        var vm = _s.Ovs.AddVm(_a.Ovs, new VmOptions { Mac = port.Macs[0], IfaceId = port.Id });
        await _s.WaitForStatusAsync(port.Id, "ACTIVE", _a.Host);
        return vm;
    }

    private static string Addr(VmNamespace vm) => vm.Exec("ip", "-4", "addr", "show", "dev", "eth0").StdOut;

    [Fact]
    public async Task A_garbage_dhcp_and_arp_flood_from_one_vm_does_not_stop_another_from_getting_its_lease()
    {
        var flooder = await VmAsync(30);
        var victim = await VmAsync(31);

        // The flood runs until the test kills it (at most two minutes), printing its counts twice a second.
        using var flood = RunningProgram.Start(flooder.Namespace.Name, "python3", "-c", FloodScript, flooder.Mac, "10.0.0.30", "120");
        await Poll.UntilAsync(() => _a.Log.Entries.Any(e => e.Message.Contains("malformed DHCP packet")), TimeSpan.FromSeconds(30),
            "the flood reaching the controller");
        var clock = Stopwatch.StartNew();
        var result = _clients.Udhcpc(victim, tries: 25);
        var took = clock.Elapsed;
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains("inet 10.0.0.31/24", Addr(victim));
        Assert.False(flood.HasExited, "the flood ended before the victim had its lease:\n" + flood.Output);
        // A lease normally takes well under a second; udhcpc's 1-s retries are tolerated, generously for a busy machine.
        Assert.True(took < TimeSpan.FromSeconds(25), $"the lease took {took.TotalSeconds:F1} s under the flood");

        // It was a flood of each kind (counts printed by the script): let it run until it is one, then stop it.
        Dictionary<string, long> counts = [];
        await Poll.UntilAsync(() =>
        {
            counts = Counts().Matches(flood.Lines.LastOrDefault() ?? "")
                .ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
            return flood.HasExited || (counts.GetValueOrDefault("dhcp") > 1000 && counts.GetValueOrDefault("arp") > 1000 && counts.GetValueOrDefault("ip") > 1000);
        }, TimeSpan.FromSeconds(60), "a thousand frames of each kind");
        Assert.False(flood.HasExited, "the flood ended by itself:\n" + flood.Output);
        await flood.KillAsync();
        output.WriteLine($"lease under flood in {took.TotalSeconds:F1} s; flood: {flood.Lines.LastOrDefault()}");
        // And the switch dropped the spoofed ARP.
        Assert.True(DroppedByPortSecurity() > 0, "portsec drop counter of the flooding port");

        // The controller is still serving: its loop runs, and once the flood is over the flooder itself gets a lease.
        Assert.False(_a.Controller!.Completion.IsCompleted, "the controller's event loop ended");
        var own = _clients.Udhcpc(flooder);
        Assert.True(own.Succeeded, own.ToString());
        Assert.Contains("inet 10.0.0.30/24", Addr(flooder));
    }

    /// <summary>
    /// Packets counted by portsec's chassis-wide drops (tables 1 and 2: not a port's MAC, not its
    /// address): the flooding port is the only one here that sends what they drop.
    /// </summary>
    private long DroppedByPortSecurity()
    {
        var bands = new[] { PortSecurityFlows.Bands.MacDrop, PortSecurityFlows.Bands.AddressDrop };
        var drops = _a.DumpFlows().Split('\n').Where(l => bands.Any(b => l.Contains($"table={b.Table},") && l.Contains($"priority={b.Priority} actions=drop"))).ToList();
        Assert.Equal(2, drops.Count);
        return drops.Sum(d => long.Parse(Packets().Match(d).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"(\w+)=(\d+)")]
    private static partial Regex Counts();


    [GeneratedRegex(@"n_packets=(\d+)")]
    private static partial Regex Packets();

    /// <summary>
    /// Raw Ethernet frames from the VM's own MAC, as fast as it can for at most N seconds: DHCP 68 → 67
    /// from 0.0.0.0 with random bodies (some with the magic cookie), IPv4 frames truncated or
    /// with lying lengths, and ARP that is random bytes, a request from addresses that are not
    /// the VM's, or a request from its own address for random targets. Prints the counts so far
    /// every half second (the test kills it once done).
    /// </summary>
    private const string FloodScript = """
        import os, random, socket, struct, sys, time
        mac = bytes.fromhex(sys.argv[1].replace(':', ''))
        own = socket.inet_aton(sys.argv[2])
        end = time.time() + float(sys.argv[3])
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind(('eth0', 0))
        bcast = b'\xff' * 6
        def csum(b):
            t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
            while t >> 16: t = (t & 0xffff) + (t >> 16)
            return ~t & 0xffff
        def ipv4(payload, total=None, src=b'\0' * 4):
            h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, total or 20 + len(payload), 0, 0, 64, 17, 0, src, b'\xff' * 4)
            return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload
        def dhcp():
            body = os.urandom(random.choice([0, 1, 50, 239, 240, 300, 400]))
            if len(body) > 240 and random.random() < 0.5:
                body = bytes([1, 1, 6]) + body[3:236] + bytes([99, 130, 83, 99]) + body[240:]
            return ipv4(struct.pack('!HHHH', 68, 67, 8 + len(body), 0) + body)
        def ip():
            udp = struct.pack('!HHHH', 68, 67, random.choice([0, 7, 8, 500]), 0) + os.urandom(random.choice([0, 3, 20]))
            return ipv4(udp, total=random.choice([21, 28, 600, 65535]))[:random.choice([20, 24, 34, 60])]
        def arp():
            r = random.random()
            if r < 0.3:
                return os.urandom(random.choice([0, 3, 27, 28, 46]))
            if r < 0.6:
                return struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, random.randrange(65536), os.urandom(6), os.urandom(4), b'\0' * 6, os.urandom(4))
            return struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, mac, own, b'\0' * 6, bytes([10, 0, 0, random.randrange(256)]))
        kinds = [('dhcp', 0x0800, dhcp), ('ip', 0x0800, ip), ('arp', 0x0806, arp)]
        n = {k: 0 for k, _, _ in kinds}
        report = time.time() + 0.5
        while time.time() < end:
            k, t, make = random.choice(kinds)
            s.send(bcast + mac + struct.pack('!H', t) + make())
            n[k] += 1
            if time.time() >= report:
                print(' '.join('%s=%d' % kv for kv in n.items()), flush=True)
                report = time.time() + 0.5
        print(' '.join('%s=%d' % kv for kv in n.items()), flush=True)
        """;
}
