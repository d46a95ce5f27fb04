using System.Net;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Apps.SecurityGroups;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>The sg app as a pure function: groups, rules and ports in the cache, desired flows out.</summary>
public sealed class SecurityGroupAppTests
{
    private readonly NbCache _nb = new();
    private readonly BridgePorts _bridge = new();
    private readonly FlowInstaller _flows = new();
    private readonly SecurityGroupApp _app;
    private long _version;

    public SecurityGroupAppTests()
    {
        var context = new ChassisContext("here", ["geneve"], _nb, _bridge, _flows, new RecordingLogger());
        _app = new SecurityGroupApp(context);
        _flows.Register(_app.Contract);
        _nb.Put(new LogicalSwitch { Id = "net1", UniqueKey = 5, SegmentationId = 101, Version = 1 });
        _app.Start();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static SecurityGroupRule Rule(string direction, string? protocol = null, int? min = null, int? max = null,
        string? prefix = null, string? remoteGroup = null, string ethertype = "IPv4") => new()
    {
        Id = Guid.NewGuid().ToString("n")[..8], Direction = direction, Ethertype = ethertype, Protocol = protocol,
        PortRangeMin = min, PortRangeMax = max, RemoteIpPrefix = prefix, RemoteGroupId = remoteGroup,
    };

    private void PutGroup(string id, long key, params SecurityGroupRule[] rules)
    {
        _nb.Put(new SecurityGroup { Id = id, UniqueKey = key, Rules = [.. rules], Version = ++_version });
        _app.OnSecurityGroupChanged(id);
    }

    private void RemoveGroup(string id)
    {
        _nb.Remove("lsecgroup", id);
        _app.OnSecurityGroupChanged(id);
    }

    private void PutPort(string id, long key, string ip, bool local, string[] groups, bool portSecurity = true)
    {
        _nb.Put(new LogicalPort
        {
            Id = id, Lswitch = "net1", UniqueKey = key, Macs = [$"fa:16:3e:00:00:{key:x2}"], Ips = [new FixedIp("s1", ip)],
            SecurityGroups = [.. groups], PortSecurityEnabled = portSecurity, Chassis = local ? "here" : "there", Version = ++_version,
        });
        if (local) _bridge.SetInterface("tap-" + id, id, (uint)key);
        _app.OnPortChanged(id);
    }

    /// <summary>The flows of an owner named as the tests write it: a port id, "pipeline", "secgroup:ID" or "secgroup-rule:TABLE:MATCH".</summary>
    private IReadOnlyCollection<DesiredFlow> Owner(string owner) => _flows.Get(SecurityGroupApp.AppId, owner switch
    {
        "pipeline" => FlowOwner.Pipeline,
        _ when owner.StartsWith("secgroup:", StringComparison.Ordinal) => FlowOwner.SecurityGroup(owner["secgroup:".Length..]),
        _ when owner.StartsWith("secgroup-rule:", StringComparison.Ordinal) => FlowOwner.Concern("security group rule clause", owner["secgroup-rule:".Length..]),
        _ => FlowOwner.Port(owner),
    });

    private int DesiredFlowCount => _flows.Stats.DesiredFlows;

    private static string Text(DesiredFlow f) => $"table={f.Table},priority={f.Priority},{f.Match} {f.Instructions}";

    // ---- rule matches -------------------------------------------------------------------------

    [Theory]
    [InlineData(22, 22)]
    [InlineData(1, 65535)]
    [InlineData(1000, 1999)]
    [InlineData(0, 0)]
    [InlineData(8080, 8081)]
    [InlineData(1023, 4097)]
    public void A_port_range_becomes_masks_covering_exactly_its_ports(int min, int max)
    {
        var masks = PortRange.Masks((ushort)min, (ushort)max);
        for (var port = 0; port <= 65535; port++)
        {
            var hits = masks.Count(m => (port & m.Mask) == m.Value);
            Assert.Equal(port >= min && port <= max ? 1 : 0, hits);
        }
    }

    [Fact]
    public void An_ingress_tcp_rule_from_a_prefix_matches_source_and_destination_port()
    {
        var m = Assert.Single(RuleMatches.For(Rule("ingress", "tcp", 22, 22, prefix: "10.0.0.0/8")));
        Assert.Equal("dl_type=0x800,nw_src=10.0.0.0/8,nw_proto=6,tcp_dst=22", m.ToString());

        var egress = Assert.Single(RuleMatches.For(Rule("egress", "udp", 53, 53, prefix: "192.168.1.7")));
        Assert.Equal("dl_type=0x800,nw_dst=192.168.1.7,nw_proto=17,udp_dst=53", egress.ToString());
    }

    [Fact]
    public void A_prefix_given_with_host_bits_matches_its_network()
    {
        // Neutron stores "10.0.0.34/24" as given; the rule means the network 10.0.0.0/24.
        Assert.Equal("dl_type=0x800,nw_src=10.0.0.0/24",
            Assert.Single(RuleMatches.For(Rule("ingress", prefix: "10.0.0.34/24"))).ToString());
        Assert.Equal("dl_type=0x86dd,ipv6_dst=2001:db8::/64",
            Assert.Single(RuleMatches.For(Rule("egress", prefix: "2001:db8::1/64", ethertype: "IPv6"))).ToString());
    }

    [Fact]
    public void Icmp_rules_match_type_and_code_and_icmp_in_an_ipv6_rule_is_icmpv6()
    {
        Assert.Equal("dl_type=0x800,nw_proto=1,icmp_type=8,icmp_code=0",
            Assert.Single(RuleMatches.For(Rule("ingress", "icmp", 8, 0))).ToString());
        Assert.Equal("dl_type=0x800,nw_proto=1,icmp_type=3",
            Assert.Single(RuleMatches.For(Rule("ingress", "icmp", 3))).ToString());
        Assert.Equal("dl_type=0x86dd,nw_proto=58,icmpv6_type=128",
            Assert.Single(RuleMatches.For(Rule("ingress", "icmp", 128, ethertype: "IPv6"))).ToString());
        Assert.Equal("dl_type=0x86dd,ipv6_src=fd00::/64,nw_proto=132,sctp_dst=9",
            Assert.Single(RuleMatches.For(Rule("ingress", "sctp", 9, 9, prefix: "fd00::/64", ethertype: "IPv6"))).ToString());
    }

    [Fact]
    public void A_remote_group_rule_matches_each_member_address_of_its_family_times_each_port_mask()
    {
        var members = new[] { (IPAddress.Parse("10.0.0.5"), 32), (IPAddress.Parse("10.0.0.6"), 32), (IPAddress.Parse("fd00::5"), 128) };
        var matches = RuleMatches.For(Rule("ingress", "tcp", 80, 81, remoteGroup: "g"), members);
        Assert.Equal(2, matches.Count); // 80-81 is one mask; the IPv6 member is not in an IPv4 rule
        Assert.Contains(matches, m => m.ToString() == "dl_type=0x800,nw_src=10.0.0.5,nw_proto=6,tcp_dst=0x50/0xfffe");
        Assert.Empty(RuleMatches.For(Rule("ingress", remoteGroup: "g"), []));
        Assert.Single(RuleMatches.For(Rule("egress"))); // any IPv4
    }

    // ---- app ----------------------------------------------------------------------------------

    [Fact]
    public void A_local_port_is_tracked_in_its_networks_zone_and_joins_its_groups_conjunction()
    {
        PutGroup("web", 9, Rule("ingress", "tcp", 22, 22), Rule("egress"));
        PutPort("vm1", 3, "10.0.0.3", local: true, ["web"]);

        var port = Owner("vm1").Select(Text).ToList();
        Assert.Contains("table=6,priority=100,reg6=0x3 conjunction(9,1/2)", port);
        Assert.Contains("table=77,priority=100,reg7=0x3 conjunction(9,1/2)", port);
        Assert.Equal(2, port.Count); // the membership clause each way: conntrack and the drop are chassis-wide

        var pipeline = Owner("pipeline").Select(Text).ToList();
        Assert.Contains("table=3,priority=100,dl_type=0x800 ct(table=6,zone=OXM_OF_METADATA[0..15])", pipeline);
        Assert.Contains("table=72,priority=100,dl_type=0x86dd ct(table=77,zone=OXM_OF_METADATA[0..15])", pipeline);
        Assert.Contains("table=77,priority=50,dl_type=0x800 drop", pipeline);

        var group = Owner("secgroup:web").Select(Text).ToList();
        Assert.Contains("table=77,priority=100,conj_id=9,dl_type=0x800 ct(commit,zone=OXM_OF_METADATA[0..15]),goto_table:78", group);
        Assert.Contains("table=6,priority=100,conj_id=9,dl_type=0x86dd ct(commit,zone=OXM_OF_METADATA[0..15]),goto_table:9", group);
        Assert.All(Owner("secgroup:web"), f => Assert.Equal(9u, f.CookieTag));

        var ssh = Assert.Single(Owner("secgroup-rule:77:dl_type=0x800,nw_proto=6,tcp_dst=22"));
        Assert.Equal("conjunction(9,2/2)", ssh.Instructions.ToString());
        Assert.Single(Owner("secgroup-rule:6:dl_type=0x800"));

        var state = Owner("pipeline").Select(Text).ToList();
        Assert.Contains("table=77,priority=65534,ct_state=+inv+trk drop", state);
        Assert.Contains(state, s => s.StartsWith("table=6,priority=65534,ct_state=+est+rpl-inv+trk", StringComparison.Ordinal));
    }

    [Fact]
    public void Flows_grow_as_rules_plus_ports_not_rules_times_ports()
    {
        int CountFor(int ports, int rules)
        {
            var t = new SecurityGroupAppTests();
            t.PutGroup("g", 1, Enumerable.Range(0, rules).Select(i => Rule("ingress", "tcp", 1000 + i, 1000 + i)).ToArray());
            for (var p = 0; p < ports; p++) t.PutPort("p" + p, 100 + p, $"10.0.{p / 200}.{p % 200 + 1}", local: true, ["g"]);
            return t.DesiredFlowCount;
        }
        var baseline = CountFor(10, 10);
        var morePorts = CountFor(20, 10);
        var moreRules = CountFor(10, 20);
        var both = CountFor(20, 20);
        // No interaction term: adding ports costs the same whatever the number of rules.
        Assert.Equal(morePorts - baseline, both - moreRules);
        Assert.Equal(10, moreRules - baseline); // one flow per rule
        Assert.Equal(10 * 2, morePorts - baseline); // two flows per port: its membership, each way
    }

    [Fact]
    public void A_port_without_groups_keeps_only_dhcp_and_neighbour_discovery_and_port_security_off_skips_it_all()
    {
        PutPort("bare", 4, "10.0.0.4", local: true, []);
        Assert.Empty(Owner("bare")); // no membership: the chassis-wide drop takes its IP traffic
        // What such a port may still do, ahead of conntrack for every port.
        var pipeline = Owner("pipeline").Select(Text).ToList();
        Assert.Contains("table=6,priority=50,dl_type=0x800 drop", pipeline);
        Assert.Contains("table=77,priority=50,dl_type=0x86dd drop", pipeline);
        Assert.Contains("table=3,priority=200,dl_type=0x800,nw_proto=17,udp_src=68,udp_dst=67 goto_table:9", pipeline);
        Assert.Contains("table=72,priority=200,dl_type=0x86dd,nw_proto=58,icmpv6_type=135 goto_table:78", pipeline);

        PutPort("open", 6, "10.0.0.6", local: true, [], portSecurity: false);
        Assert.Equal(["table=3,priority=300,reg6=0x6 goto_table:9", "table=72,priority=300,reg7=0x6 goto_table:78"], Owner("open").Select(Text).Order(StringComparer.Ordinal));
        PutPort("bare", 4, "10.0.0.4", local: true, [], portSecurity: false);
        Assert.Equal(2, Owner("bare").Count);
        _bridge.RemoveInterface("tap-bare");
        _app.OnPortChanged("bare");
        Assert.Empty(Owner("bare")); // unplugged
    }

    [Fact]
    public void A_remote_group_rule_follows_membership_anywhere_and_groups_without_local_ports_install_nothing()
    {
        PutGroup("db", 2, Rule("ingress", "tcp", 5432, 5432, remoteGroup: "app"));
        PutGroup("app", 3, Rule("egress"));
        PutPort("db1", 10, "10.0.0.10", local: true, ["db"]);
        var clause = "secgroup-rule:77:dl_type=0x800,nw_src=10.0.0.20,nw_proto=6,tcp_dst=5432";
        Assert.Empty(Owner(clause)); // no member yet

        PutPort("app1", 20, "10.0.0.20", local: false, ["app"]); // bound on another chassis
        Assert.Single(Owner(clause));
        Assert.Empty(Owner("secgroup:app")); // no local port of "app" here
        Assert.Empty(Owner("secgroup-rule:6:dl_type=0x800"));

        PutPort("app1", 20, "10.0.0.21", local: false, ["app"]); // new address
        Assert.Empty(Owner(clause));
        Assert.Single(Owner("secgroup-rule:77:dl_type=0x800,nw_src=10.0.0.21,nw_proto=6,tcp_dst=5432"));

        PutPort("app1", 20, "10.0.0.21", local: false, []); // leaves the group
        Assert.Empty(Owner("secgroup-rule:77:dl_type=0x800,nw_src=10.0.0.21,nw_proto=6,tcp_dst=5432"));
    }

    [Fact]
    public void A_port_change_recomputes_only_the_groups_whose_rules_name_its_groups()
    {
        PutGroup("db", 2, Rule("ingress", "tcp", 5432, 5432, remoteGroup: "app"));
        PutGroup("app", 3, Rule("egress"));
        PutGroup("web", 4, Rule("ingress", "tcp", 80, 80));
        PutPort("db1", 10, "10.0.0.10", local: true, ["db"]);
        PutPort("web1", 11, "10.0.0.11", local: true, ["web"]);

        var before = _app.RuleRecomputes;
        PutPort("app1", 20, "10.0.0.20", local: false, ["app"]);
        Assert.Equal(1, _app.RuleRecomputes - before); // db only: its rule names app

        before = _app.RuleRecomputes;
        PutPort("web2", 21, "10.0.0.21", local: false, ["web"]); // nobody names web
        PutPort("app1", 20, "10.0.0.20", local: false, ["app"]); // no change at all
        Assert.Equal(0, _app.RuleRecomputes - before);
    }

    [Fact]
    public void Identical_rules_of_two_groups_share_one_flow_naming_both_conjunctions()
    {
        PutGroup("a", 4, Rule("ingress", "tcp", 80, 80));
        PutGroup("b", 7, Rule("ingress", "tcp", 80, 80), Rule("ingress", "tcp", 443, 443));
        PutPort("vm1", 3, "10.0.0.3", local: true, ["a"]);
        PutPort("vm2", 5, "10.0.0.5", local: true, ["b"]);
        var http = "secgroup-rule:77:dl_type=0x800,nw_proto=6,tcp_dst=80";
        var flow = Assert.Single(Owner(http));
        Assert.Equal("conjunction(4,2/2),conjunction(7,2/2)", flow.Instructions.ToString());
        Assert.Equal(4u, flow.CookieTag);

        // Removing the rule from "a" leaves b's conjunction; removing the group clears its flows.
        PutGroup("a", 4);
        Assert.Equal("conjunction(7,2/2)", Assert.Single(Owner(http)).Instructions.ToString());
        RemoveGroup("b");
        Assert.Empty(Owner(http));
        Assert.Empty(Owner("secgroup-rule:77:dl_type=0x800,nw_proto=6,tcp_dst=443"));
        Assert.Empty(Owner("secgroup:b"));
        Assert.DoesNotContain(Owner("vm2"), f => f.Instructions.ToString().Contains("conjunction", StringComparison.Ordinal));
    }

    [Fact]
    public void A_group_arriving_after_its_port_completes_the_ports_membership_clause()
    {
        PutPort("vm1", 3, "10.0.0.3", local: true, ["late"]);
        Assert.DoesNotContain(Owner("vm1"), f => f.Instructions.ToString().Contains("conjunction", StringComparison.Ordinal));
        PutGroup("late", 12, Rule("ingress", "icmp"));
        Assert.Contains(Owner("vm1"), f => f.Instructions.ToString() == "conjunction(12,1/2)");
        Assert.Single(Owner("secgroup-rule:77:dl_type=0x800,nw_proto=1"));

        // The port unplugged: nothing local uses the group any more.
        _bridge.RemoveInterface("tap-vm1");
        _app.OnPortChanged("vm1");
        Assert.Empty(Owner("vm1"));
        Assert.Empty(Owner("secgroup:late"));
        Assert.Empty(Owner("secgroup-rule:77:dl_type=0x800,nw_proto=1"));
    }

    [Fact]
    public void A_stateless_group_skips_conntrack_and_its_ports_forget_the_senders_state()
    {
        _nb.Put(new SecurityGroup { Id = "plain", UniqueKey = 8, Stateful = false, Rules = [Rule("ingress", "tcp", 22, 22)], Version = ++_version });
        _app.OnSecurityGroupChanged("plain");
        PutPort("vm1", 3, "10.0.0.3", local: true, ["plain"]);

        var port = Owner("vm1").Select(Text).ToList();
        Assert.DoesNotContain(port, f => f.Contains("ct(", StringComparison.Ordinal));
        Assert.Contains("table=72,priority=150,reg7=0x3 ct_clear,goto_table:77", port);
        Assert.Contains("table=3,priority=150,reg6=0x3 goto_table:6", port);
        Assert.Contains("table=77,priority=100,reg7=0x3 conjunction(8,1/2)", port);
        Assert.Contains("table=77,priority=100,conj_id=8,dl_type=0x800 goto_table:78", Owner("secgroup:plain").Select(Text));

        // Made stateful: conntrack comes back for its ports.
        PutGroup("plain", 8, Rule("ingress", "tcp", 22, 22));
        Assert.DoesNotContain(Owner("vm1").Select(Text), f => f.StartsWith("table=3,", StringComparison.Ordinal) || f.StartsWith("table=72,", StringComparison.Ordinal));
        Assert.Contains("table=77,priority=100,conj_id=8,dl_type=0x800 ct(commit,zone=OXM_OF_METADATA[0..15]),goto_table:78", Owner("secgroup:plain").Select(Text));
    }

    [Fact]
    public void The_cookie_carries_the_tag_between_app_and_generation()
    {
        var cookie = FlowCookie.Make(SecurityGroupApp.AppId, 0xDEADBEEF, 0x123456);
        Assert.Equal(7, FlowCookie.App(cookie));
        Assert.Equal(0x123456u, FlowCookie.Tag(cookie));
        Assert.Equal(0xDEADBEEFu, FlowCookie.Generation(cookie));
        Assert.Equal(0u, FlowCookie.Tag(FlowCookie.Make(SecurityGroupApp.AppId, 5)));
    }

    [Fact]
    public void The_app_writes_only_its_tables_and_is_in_the_catalog()
    {
        Assert.Equal(new HashSet<byte> { Tables.EgressConntrack, Tables.EgressSecurityGroup, Tables.IngressConntrack, Tables.IngressSecurityGroup }, _app.Contract.Tables);
        Assert.Contains(AppCatalog.Create(["sg"], new ChassisContext("h", ["geneve"], _nb, _bridge, _flows, new RecordingLogger())),
            a => a is SecurityGroupApp && a.Id.Value == 7);
    }
}
