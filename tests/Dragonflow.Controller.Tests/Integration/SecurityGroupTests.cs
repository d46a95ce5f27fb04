using System.Diagnostics;
using Dragonflow.Controller.Flows;
using Dragonflow.Model;
using Dragonflow.Testing;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// Security groups with real traffic: VMs (namespaces) on two chassis, the sg app on, groups and
/// rules written to NB as the API server writes them (DefaultSecurityGroup,
/// SecurityGroupRuleEndpoints). What is allowed is shown by pings and TCP connections that get
/// through; what is not, by ones that do not — checked once the flows are known to be in
/// (another connection already passes) or polled until they stop after a change.
/// </summary>
public sealed class SecurityGroupTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Default_group_admits_members_only_and_a_remote_group_rule_follows_membership()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        s.Apps = ["l2", "tunneling", "sg", "aging"];
        try
        {
            var a = await s.AddChassisAsync("geneve");
            var b = await s.AddChassisAsync("geneve");
            var net = await s.CreateNetworkAsync(301);
            var @default = await CreateGroupAsync(s, "default", id => DefaultRules(id));
            var app = await CreateGroupAsync(s, "app", _ => [Rule("egress")]);
            var web = await CreateGroupAsync(s, "web", _ => [Rule("egress")]);
            var db = await CreateGroupAsync(s, "db", _ => [Rule("egress"), Rule("ingress", "tcp", 5432, 5432, remoteGroup: app.Id)]);

            var p1 = await CreatePortAsync(s, net, "fa:16:3e:30:00:01", "10.0.0.1", @default.Id);
            var p2 = await CreatePortAsync(s, net, "fa:16:3e:30:00:02", "10.0.0.2", @default.Id, db.Id);
            var p3 = await CreatePortAsync(s, net, "fa:16:3e:30:00:03", "10.0.0.3", web.Id);
            using var vm1 = s.Plug(a, p1);
            using var vm2 = s.Plug(b, p2);
            using var vm3 = s.Plug(a, p3); // on vm1's chassis: one conntrack zone for both
            foreach (var (p, c) in new[] { (p1, a), (p2, b), (p3, a) }) await s.WaitForStatusAsync(p.Id, "ACTIVE", c.Host);
            using var server2 = TcpServer.Start(vm2, 5432);
            using var server3 = TcpServer.Start(vm3, 80);

            // Members of "default" reach each other across chassis, and the replies come back.
            Assert.True(vm1.WaitForPing("10.0.0.2", Deadline), "vm1 -> vm2, both in default");
            Assert.True(vm2.WaitForPing("10.0.0.1", Deadline), "vm2 -> vm1, both in default");
            await EventuallyAsync(() => TcpServer.Connects(vm1, "10.0.0.2", 5432), "vm1 -> vm2:5432 (default admits members)");

            // A non-member is not admitted; egress is open but vm3 admits nobody: even vm1's
            // repeated attempts from the same chassis (same zone) never get in.
            Assert.True(vm3.WaitForPing("10.0.0.3", Deadline), "vm3 reaches itself");
            Assert.False(vm3.Ping("10.0.0.1", count: 2), "vm3 (not in default) -> vm1");
            Assert.False(vm3.Ping("10.0.0.2", count: 2), "vm3 (not in default) -> vm2");
            Assert.False(vm1.Ping("10.0.0.3", count: 3), "vm1 -> vm3, whose groups admit nothing");
            Assert.False(TcpServer.Connects(vm1, "10.0.0.3", 80), "vm1 -> vm3:80");
            Assert.False(TcpServer.Connects(vm1, "10.0.0.3", 80), "vm1 -> vm3:80, again (the entry vm1's egress committed must not open vm3)");
            Assert.False(TcpServer.Connects(vm3, "10.0.0.2", 5432), "vm3 -> vm2:5432 before vm3 is in app");
            // UDP is where a shared zone bites: the third datagram of a flow is "established" in
            // conntrack without any reply; it must still not get past vm3's ingress.
            Assert.Equal(0, UdpDatagramsReceived(vm1, vm3, "10.0.0.3", 5000, count: 6));
            Assert.InRange(UdpDatagramsReceived(vm1, vm2, "10.0.0.2", 5000, count: 6), 5, 6); // while a member gets them (one may be lost)

            // vm3 joins "app": db's rule "tcp 5432 from app" now admits it (chassis b learns the member).
            await s.Api.UpdateAsync<LogicalPort>(p3.Id, p => p.SecurityGroups = [web.Id, app.Id]);
            await EventuallyAsync(() => TcpServer.Connects(vm3, "10.0.0.2", 5432), "vm3 -> vm2:5432 once vm3 is in app");
            Assert.False(vm3.Ping("10.0.0.2", count: 2), "only tcp 5432 is open to app members");

            // And leaves it again.
            await s.Api.UpdateAsync<LogicalPort>(p3.Id, p => p.SecurityGroups = [web.Id]);
            await EventuallyAsync(() => !TcpServer.Connects(vm3, "10.0.0.2", 5432), "vm3 -> vm2:5432 blocked once vm3 left app");
            Assert.False(TcpServer.Connects(vm3, "10.0.0.2", 5432), "still blocked");
            Assert.True(vm1.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)), "members are unaffected");
            AssertNoFlowRejected(s);

            // A controller restart reconciles (aging): the same verdicts, and every flow on the
            // switch, group-tagged cookies included, is of the new generation.
            await a.StopControllerAsync();
            await a.StartControllerAsync();
            await Poll.UntilAsync(() => a.Controller!.FlowStats is { Reconciles: > 0 }, Deadline, "the restarted controller reconciled");
            Assert.True(vm1.WaitForPing("10.0.0.2", Deadline), "vm1 -> vm2 after the restart");
            Assert.False(vm1.Ping("10.0.0.3", count: 2), "vm1 -> vm3 after the restart");
            var generation = a.Controller!.FlowStats!.Generation;
            var cookies = System.Text.RegularExpressions.Regex.Matches(a.DumpFlows(), "cookie=0x([0-9a-f]+)")
                .Select(m => Convert.ToUInt64(m.Groups[1].Value, 16)).ToList();
            Assert.Contains(cookies, c => FlowCookie.App(c) == 7 && FlowCookie.Tag(c) == (uint)@default.UniqueKey);
            Assert.All(cookies, c => Assert.Equal(generation, FlowCookie.Generation(c)));
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    [Fact]
    public async Task A_rule_opening_tcp_22_admits_22_not_23_and_removing_it_closes_new_and_established_connections()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        s.Apps = ["l2", "tunneling", "sg", "aging"];
        try
        {
            var a = await s.AddChassisAsync("geneve");
            var b = await s.AddChassisAsync("geneve");
            var net = await s.CreateNetworkAsync(302);
            var client = await CreateGroupAsync(s, "client", _ => [Rule("egress"), Rule("ingress", "icmp")]);
            var server = await CreateGroupAsync(s, "server", _ => [Rule("egress")]);
            var p1 = await CreatePortAsync(s, net, "fa:16:3e:31:00:01", "10.0.0.1", client.Id);
            var p2 = await CreatePortAsync(s, net, "fa:16:3e:31:00:02", "10.0.0.2", server.Id);
            var p3 = await CreatePortAsync(s, net, "fa:16:3e:31:00:03", "10.0.0.3", portSecurity: false);
            using var vm1 = s.Plug(a, p1);
            using var vm2 = s.Plug(b, p2);
            using var vm3 = s.Plug(b, p3);
            foreach (var (p, c) in new[] { (p1, a), (p2, b), (p3, b) }) await s.WaitForStatusAsync(p.Id, "ACTIVE", c.Host);
            using var listener = TcpServer.Start(vm2, 22, 23);

            // vm2 may send (its replies pass as established); vm1 admits ICMP: the flows are in.
            Assert.True(vm2.WaitForPing("10.0.0.1", Deadline), "vm2 -> vm1 (egress open, icmp admitted, reply established)");
            Assert.False(TcpServer.Connects(vm1, "10.0.0.2", 22), "vm1 -> vm2:22 before any rule");
            Assert.False(vm1.Ping("10.0.0.2", count: 2), "vm1 -> vm2 ping before any rule");
            // A port without port security is not filtered at all.
            Assert.True(vm3.WaitForPing("10.0.0.1", Deadline), "vm3 (port security off) -> vm1");
            Assert.True(vm1.WaitForPing("10.0.0.3", TimeSpan.FromSeconds(10)), "vm1 -> vm3 (port security off)");

            var ssh = Rule("ingress", "tcp", 22, 22, prefix: "10.0.0.0/24");
            await s.Api.UpdateAsync<SecurityGroup>(server.Id, g => g.Rules.Add(ssh));
            await EventuallyAsync(() => TcpServer.Connects(vm1, "10.0.0.2", 22), "vm1 -> vm2:22 once tcp 22 is open");
            Assert.False(TcpServer.Connects(vm1, "10.0.0.2", 23), "vm1 -> vm2:23 stays blocked");
            Assert.False(vm1.Ping("10.0.0.2", count: 2), "ping stays blocked");
            // The flow that admits a connection names the group in its cookie (app 7, tag = the group's key).
            Assert.Matches($@"cookie=0x7{server.UniqueKey:x6}[0-9a-f]{{8}},.*table=77,.*priority=100,conj_id={server.UniqueKey},ip actions=ct\(commit", b.DumpFlows());

            using var held = HeldConnection.Open(vm1, "10.0.0.2", 22);
            Assert.True(held.Echoes(), "an established connection to 22");

            await s.Api.UpdateAsync<SecurityGroup>(server.Id, g => g.Rules.RemoveAll(r => r.Id == ssh.Id));
            await EventuallyAsync(() => !TcpServer.Connects(vm1, "10.0.0.2", 22), "vm1 -> vm2:22 blocked once the rule is gone");
            Assert.False(TcpServer.Connects(vm1, "10.0.0.2", 22), "still blocked");
            // The originator's packets are checked against the rules on every packet: the
            // connection the rule admitted stops too.
            Assert.False(held.Echoes(), "the established connection after the rule is gone");
            Assert.True(vm2.WaitForPing("10.0.0.1", TimeSpan.FromSeconds(10)), "the rest is unaffected");
            AssertNoFlowRejected(s);
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    [Fact]
    public async Task A_stateless_group_needs_a_rule_for_the_replies_too()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        s.Apps = ["l2", "tunneling", "sg", "aging"];
        try
        {
            var a = await s.AddChassisAsync("geneve");
            var b = await s.AddChassisAsync("geneve");
            var net = await s.CreateNetworkAsync(303);
            var client = await CreateGroupAsync(s, "client", _ => [Rule("egress"), Rule("ingress", "icmp")]);
            var plain = await CreateGroupAsync(s, "plain", _ => [Rule("ingress", "icmp"), Rule("egress", "icmp"), Rule("ingress", "tcp", 22, 22)], stateful: false);
            var p1 = await CreatePortAsync(s, net, "fa:16:3e:32:00:01", "10.0.0.1", client.Id);
            var p2 = await CreatePortAsync(s, net, "fa:16:3e:32:00:02", "10.0.0.2", plain.Id);
            using var vm1 = s.Plug(a, p1);
            using var vm2 = s.Plug(b, p2);
            foreach (var (p, c) in new[] { (p1, a), (p2, b) }) await s.WaitForStatusAsync(p.Id, "ACTIVE", c.Host);
            using var listener = TcpServer.Start(vm2, 22);

            Assert.True(vm1.WaitForPing("10.0.0.2", Deadline), "icmp both ways is allowed by the stateless rules");
            Assert.False(TcpServer.Connects(vm1, "10.0.0.2", 22), "tcp 22 is admitted but the stateless group does not let the reply out");

            await s.Api.UpdateAsync<SecurityGroup>(plain.Id, g => g.Rules.Add(Rule("egress", "tcp")));
            await EventuallyAsync(() => TcpServer.Connects(vm1, "10.0.0.2", 22), "vm1 -> vm2:22 once the replies have a rule");
            AssertNoFlowRejected(s);
        }
        catch
        {
            Dump(s);
            throw;
        }
    }

    // ---- NB objects as the API server writes them --------------------------------------------

    private static List<SecurityGroupRule> DefaultRules(string groupId) =>
    [
        Rule("egress"), Rule("egress", ethertype: "IPv6"),
        Rule("ingress", remoteGroup: groupId), Rule("ingress", remoteGroup: groupId, ethertype: "IPv6"),
    ];

    private static SecurityGroupRule Rule(string direction, string? protocol = null, int? min = null, int? max = null,
        string? prefix = null, string? remoteGroup = null, string ethertype = "IPv4") => new()
    {
        Id = Guid.NewGuid().ToString(), Topic = "tenant1", Direction = direction, Ethertype = ethertype, Protocol = protocol,
        PortRangeMin = min, PortRangeMax = max, RemoteIpPrefix = prefix, RemoteGroupId = remoteGroup, Version = 1,
    };

    private static async Task<SecurityGroup> CreateGroupAsync(ControllerSandbox s, string name, Func<string, List<SecurityGroupRule>> rules, bool stateful = true)
    {
        var id = Guid.NewGuid().ToString();
        return await s.Api.CreateAsync(new SecurityGroup
        {
            Id = id, Topic = "tenant1", Name = name, Rules = rules(id), Stateful = stateful,
            UniqueKey = await s.Api.AllocateUniqueKeyAsync<SecurityGroup>(),
        });
    }

    private static async Task<LogicalPort> CreatePortAsync(ControllerSandbox s, LogicalSwitch net, string mac, string ip,
        params string[] groups) => await CreatePortAsync(s, net, mac, ip, true, groups);

    private static async Task<LogicalPort> CreatePortAsync(ControllerSandbox s, LogicalSwitch net, string mac, string ip,
        bool portSecurity, params string[] groups) =>
        await s.Api.CreateAsync(new LogicalPort
        {
            Id = "port-" + Guid.NewGuid().ToString("n")[..8], Topic = net.Topic, Lswitch = net.Id, Macs = [mac],
            Ips = [new FixedIp("sub-" + net.Id, ip)], SecurityGroups = [.. groups], PortSecurityEnabled = portSecurity,
            UniqueKey = await s.Api.AllocateUniqueKeyAsync<LogicalPort>(),
        });

    /// <summary>
    /// Sends <paramref name="count"/> datagrams from one VM to another; returns how many arrived. The
    /// receiver listens from before the first send until all have arrived, or until a second after
    /// the sender is done (the test tells it on stdin), so its window covers every send however slowly
    /// the sender starts; 30 s at most.
    /// </summary>
    private static int UdpDatagramsReceived(VmNamespace from, VmNamespace to, string ip, int port, int count)
    {
        const string receiver =
            "import select,socket,sys,time\n" +
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('0.0.0.0',int(sys.argv[1])))\n" +
            "print('listening',flush=True);n=0;want=int(sys.argv[2]);end=time.time()+30;watch=[s,sys.stdin]\n" +
            "while n<want and time.time()<end:\n" +
            " r,_,_=select.select(watch,[],[],0.2)\n" +
            " if s in r: s.recv(100);n+=1\n" +
            " if sys.stdin in r: sys.stdin.readline();watch=[s];end=min(end,time.time()+1)\n" +
            "print(n,flush=True)\n";
        const string sender =
            "import socket,sys,time\n" +
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n" +
            "for i in range(int(sys.argv[3])): s.sendto(b'x',(sys.argv[1],int(sys.argv[2])));time.sleep(0.2)\n";
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in new[] { "netns", "exec", to.Name, "python3", "-c", receiver, port.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        try
        {
            Assert.Equal("listening", process.StandardOutput.ReadLine());
            from.Exec("python3", "-c", sender, ip, port.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture)).EnsureSuccess();
            try
            {
                process.StandardInput.WriteLine("sent");
                process.StandardInput.Flush();
            }
            catch (IOException)
            {
                // The receiver already has them all and ended.
            }
            return int.Parse(process.StandardOutput.ReadLine() ?? "-1", System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            if (!process.HasExited) process.Kill(true);
        }
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within {Deadline}: {what}");
            await Task.Delay(300);
        }
    }

    private static void AssertNoFlowRejected(ControllerSandbox s) =>
        Assert.All(s.Chassis, c => Assert.Equal(0, c.Controller!.FlowStats!.FlowsRejected));

    private void Dump(ControllerSandbox s)
    {
        foreach (var c in s.Chassis)
            output.WriteLine(c.Host + ":\n" + c.DumpFlows() + "\n" + string.Join("\n", c.Log.Entries.TakeLast(40)));
    }

    /// <summary>
    /// One TCP connection held open from a VM (python3): each <see cref="Echoes"/> sends a line
    /// on it and says whether the echo came back within 2 s. Killed by its pid on dispose.
    /// </summary>
    private sealed class HeldConnection : IDisposable
    {
        private const string Client =
            "import socket,sys\n" +
            "s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=2)\n" +
            "print('connected',flush=True)\n" +
            "for line in sys.stdin:\n" +
            " try:\n" +
            "  s.sendall(line.strip().encode());print(s.recv(100).decode(),flush=True)\n" +
            " except Exception: print('TIMEOUT',flush=True)\n";

        private readonly Process _process;

        private HeldConnection(Process process) => _process = process;

        public static HeldConnection Open(VmNamespace vm, string ip, int port)
        {
            var psi = new ProcessStartInfo("ip") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "netns", "exec", vm.Name, "python3", "-c", Client, ip, port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                psi.ArgumentList.Add(arg);
            var process = Process.Start(psi)!;
            if (process.StandardOutput.ReadLine() != "connected")
            {
                process.Kill(true);
                throw new InvalidOperationException("connection failed: " + process.StandardError.ReadToEnd());
            }
            return new HeldConnection(process);
        }

        public bool Echoes()
        {
            _process.StandardInput.WriteLine("still there");
            _process.StandardInput.Flush();
            return _process.StandardOutput.ReadLine() == "STILL THERE";
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited) _process.Kill(true);
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }
    }

    /// <summary>
    /// A TCP server in a VM namespace (python3) echoing, upper-cased, whatever any connection on
    /// the given ports sends; killed by its pid on dispose.
    /// </summary>
    private sealed class TcpServer : IDisposable
    {
        private const string Server =
            "import select,socket,sys,threading\n" +
            "def serve(c):\n" +
            " try:\n" +
            "  while True:\n" +
            "   d=c.recv(100)\n" +
            "   if not d: break\n" +
            "   c.sendall(d.upper())\n" +
            " except Exception: pass\n" +
            " c.close()\n" +
            "ls=[]\n" +
            "for p in sys.argv[1:]:\n" +
            " s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',int(p)));s.listen(16);ls.append(s)\n" +
            "print('listening',flush=True)\n" +
            "while True:\n" +
            " for s in select.select(ls,[],[])[0]:\n" +
            "  c,_=s.accept();threading.Thread(target=serve,args=(c,),daemon=True).start()\n";

        private const string Client =
            "import socket,sys\n" +
            "s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=2);s.sendall(b'hello sg');print(s.recv(100).decode())\n";

        private readonly Process _process;

        private TcpServer(Process process) => _process = process;

        public static TcpServer Start(VmNamespace vm, params int[] ports)
        {
            var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "netns", "exec", vm.Name, "python3", "-c", Server }.Concat(ports.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))))
                psi.ArgumentList.Add(arg);
            var process = Process.Start(psi)!;
            if (process.StandardOutput.ReadLine() != "listening")
            {
                process.Kill(true);
                throw new InvalidOperationException("tcp server did not start: " + process.StandardError.ReadToEnd());
            }
            return new TcpServer(process);
        }

        /// <summary>True if a connection from <paramref name="vm"/> got its echo back.</summary>
        public static bool Connects(VmNamespace vm, string ip, int port) =>
            vm.Exec("python3", "-c", Client, ip, port.ToString(System.Globalization.CultureInfo.InvariantCulture)).StdOut.Contains("HELLO SG", StringComparison.Ordinal);

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited) _process.Kill(true);
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }
    }
}
