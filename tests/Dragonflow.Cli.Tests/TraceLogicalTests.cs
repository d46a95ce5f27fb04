using System.Net;
using Dragonflow.Cli.Inspection;
using Dragonflow.Cli.Inspection.Trace;
using Dragonflow.Model;

namespace Dragonflow.Cli.Tests;

/// <summary>
/// The logical half of `dragonflow trace`: Neutron semantics evaluated from NB objects. The
/// topology: net1 10.0.0.0/24 and net2 10.0.1.0/24 joined by router r1 (which also has a
/// gateway on the external network), net3 10.0.2.0/24 attached to nothing.
/// </summary>
public sealed class TraceLogicalTests
{
    static SecurityGroupRule Rule(string id, string direction, string? proto = null, int? min = null, int? max = null, string? prefix = null, string? group = null) =>
        new() { Id = id, Direction = direction, Protocol = proto, PortRangeMin = min, PortRangeMax = max, RemoteIpPrefix = prefix, RemoteGroupId = group };

    static LogicalPort Port(string id, string net, string ip, string mac, params string[] groups) => new()
    {
        Id = id, Name = id, Lswitch = net, Ips = [new FixedIp("sub-" + net, ip)], Macs = [mac], SecurityGroups = [.. groups],
        Chassis = "compute-1", Status = "ACTIVE", UniqueKey = 1,
    };

    static List<NbObject> Topology() =>
    [
        new LogicalSwitch { Id = "net1", Name = "front", UniqueKey = 1 },
        new LogicalSwitch { Id = "net2", Name = "back", UniqueKey = 2 },
        new LogicalSwitch { Id = "net3", Name = "island", UniqueKey = 3 },
        new LogicalSwitch { Id = "ext", Name = "public", RouterExternal = true, UniqueKey = 4 },
        new Chassis { Id = "gateway-1", Ip = "192.0.2.9", EnableChassisAsGateway = true }, // r1's SNAT
        new LogicalSubnet { Id = "sub-net1", Lswitch = "net1", Cidr = "10.0.0.0/24", GatewayIp = "10.0.0.254" },
        new LogicalSubnet { Id = "sub-net2", Lswitch = "net2", Cidr = "10.0.1.0/24", GatewayIp = "10.0.1.254" },
        new LogicalSubnet { Id = "sub-net3", Lswitch = "net3", Cidr = "10.0.2.0/24" },
        new LogicalSubnet { Id = "sub-ext", Lswitch = "ext", Cidr = "172.24.4.0/24" },
        new SecurityGroup
        {
            Id = "sg-web", Name = "web",
            Rules = [Rule("web-out", "egress"), Rule("web-in-80", "ingress", "tcp", 80, 80, prefix: "0.0.0.0/0"), Rule("web-ping", "ingress", "icmp")],
        },
        new SecurityGroup
        {
            Id = "sg-ssh", Name = "ssh",
            Rules = [Rule("ssh-out", "egress"), Rule("ssh-in-22", "ingress", "tcp", 22, 22), Rule("ssh-from-web-8080", "ingress", "tcp", 8000, 8100, group: "sg-web")],
        },
        new SecurityGroup { Id = "sg-inbound-only", Name = "inbound-only", Rules = [Rule("any-in", "ingress")] },
        Port("vm1", "net1", "10.0.0.1", "fa:16:3e:00:00:01", "sg-web"),
        Port("vm2", "net1", "10.0.0.2", "fa:16:3e:00:00:02", "sg-ssh"),
        Port("vm3", "net2", "10.0.1.3", "fa:16:3e:00:00:03", "sg-ssh"),
        Port("vm4", "net3", "10.0.2.4", "fa:16:3e:00:00:04", "sg-web"),
        Port("vm5", "net1", "10.0.0.5", "fa:16:3e:00:00:05", "sg-inbound-only"),
        new LogicalPort { Id = "rif1", Lswitch = "net1", Ips = [new FixedIp("sub-net1", "10.0.0.254")], Macs = ["fa:16:3e:00:01:01"], DeviceOwner = "network:router_interface" },
        new LogicalRouter
        {
            Id = "r1", Name = "edge",
            Ports =
            [
                new LogicalRouterPort { Id = "rif1", Lswitch = "net1", Network = "10.0.0.254/24", Mac = "fa:16:3e:00:01:01" },
                new LogicalRouterPort { Id = "rif2", Lswitch = "net2", Network = "10.0.1.254/24", Mac = "fa:16:3e:00:01:02" },
            ],
            Routes = [new HostRoute("192.168.50.0/24", "10.0.1.3")],
            ExternalGatewayInfo = new ExternalGatewayInfo { NetworkId = "ext", ExternalFixedIps = [new FixedIp("sub-ext", "172.24.4.2")] },
        },
        new FloatingIp { Id = "fip3", FloatingIpAddress = "172.24.4.30", FloatingNetworkId = "ext", Lport = "vm3", FixedIpAddress = "10.0.1.3", Lrouter = "r1" },
    ];

    static LogicalTrace Trace(string from, string to, string proto = "icmp", int? dport = null, Action<List<NbObject>>? change = null, IPAddress? src = null)
    {
        var objects = Topology();
        change?.Invoke(objects);
        return LogicalPath.Evaluate(NbSnapshot.Of(objects), new PacketSpec(from, IPAddress.Parse(to), proto) { DestinationPort = dport, Source = src });
    }

    [Fact]
    public void Ingress_tcp_22_is_permitted_by_the_ssh_rule_on_the_same_network()
    {
        var t = Trace("vm1", "10.0.0.2", "tcp", 22);
        Assert.True(t.Delivered, t.Verdict);
        Assert.Contains("delivered to port lport vm2", t.Verdict);
        Assert.Contains(t.Steps, s => s.Stage == "switching" && s.Object == "lswitch net1");
        Assert.Contains(t.Steps, s => s.Stage == "egress security group" && s.Detail.Contains("web-out"));
        Assert.Contains(t.Steps, s => s.Stage == "ingress security group" && s.Detail.Contains("ssh-in-22"));
        Assert.Equal("fa:16:3e:00:00:02", t.DestinationMac);
    }

    [Fact]
    public void Ingress_tcp_23_is_blocked_because_no_rule_permits_it()
    {
        var t = Trace("vm1", "10.0.0.2", "tcp", 23);
        Assert.False(t.Delivered);
        Assert.Equal("ingress security group", t.Blocking!.Stage);
        Assert.Contains("tcp/23", t.Blocking.Detail);
        Assert.Contains("ssh (sg-ssh)", t.Blocking.Detail);
        Assert.StartsWith("dropped at ingress security group", t.Verdict);
    }

    [Fact]
    public void A_remote_group_rule_admits_members_of_that_group_only()
    {
        Assert.True(Trace("vm1", "10.0.0.2", "tcp", 8080).Delivered); // vm1 is in sg-web
        var fromOutsider = Trace("vm3", "10.0.0.2", "tcp", 8080); // vm3 is not
        Assert.False(fromOutsider.Delivered);
        Assert.Equal("ingress security group", fromOutsider.Blocking!.Stage);
    }

    [Fact]
    public void Egress_without_an_egress_rule_is_blocked_at_the_source()
    {
        var t = Trace("vm5", "10.0.0.2", "tcp", 22);
        Assert.Equal("egress security group", t.Blocking!.Stage);
        Assert.Contains("no egress rule", t.Blocking.Detail);
    }

    [Fact]
    public void Port_security_disabled_skips_the_groups_and_no_group_drops_everything()
    {
        Assert.True(Trace("vm1", "10.0.0.2", "tcp", 23, o => o.OfType<LogicalPort>().Single(p => p.Id == "vm2").PortSecurityEnabled = false).Delivered);
        var none = Trace("vm1", "10.0.0.2", "tcp", 22, o => o.OfType<LogicalPort>().Single(p => p.Id == "vm2").SecurityGroups = []);
        Assert.Equal("ingress security group", none.Blocking!.Stage);
        Assert.Contains("no security group", none.Blocking.Detail);
    }

    [Fact]
    public void Another_subnet_is_reached_through_the_router_interface_with_the_router_mac()
    {
        var t = Trace("vm1", "10.0.1.3", "tcp", 22);
        Assert.True(t.Delivered, t.Verdict);
        Assert.Contains(t.Steps, s => s.Stage == "routing" && s.Object == "lrouter r1" && s.Detail.Contains("10.0.1.254/24"));
        Assert.Equal("fa:16:3e:00:01:01", t.DestinationMac);
        Assert.Equal("vm3", t.Destination!.Id);
    }

    [Fact]
    public void An_extra_route_sends_to_its_next_hop_port()
    {
        var t = Trace("vm1", "192.168.50.7", "tcp", 22);
        Assert.True(t.Delivered, t.Verdict);
        Assert.Contains(t.Steps, s => s.Stage == "routing" && s.Detail.Contains("extra route 192.168.50.0/24 via 10.0.1.3"));
        Assert.Equal("vm3", t.Destination!.Id);
    }

    [Fact]
    public void A_network_without_a_router_reaches_nothing_outside_it()
    {
        var t = Trace("vm4", "10.0.0.2", "tcp", 22);
        Assert.False(t.Delivered);
        Assert.Equal("routing", t.Blocking!.Stage);
        Assert.Contains("no router has an interface on it", t.Blocking.Detail);
        Assert.Null(t.DestinationMac);

        // From net1, r1 sends what none of its subnets holds to its external gateway: it leaves and never reaches vm4.
        var unrouted = Trace("vm1", "10.0.2.4");
        Assert.Contains("leaves through the external network", unrouted.Verdict);
        Assert.Null(unrouted.Destination);
    }

    [Fact]
    public void An_unheld_address_on_the_same_subnet_goes_unanswered()
    {
        var t = Trace("vm1", "10.0.0.77");
        Assert.Equal("switching", t.Blocking!.Stage);
        Assert.Contains("no port there holds it", t.Blocking.Detail);
    }

    [Fact]
    public void A_floating_ip_is_translated_to_its_fixed_ip_and_the_router_snat_address_is_the_source()
    {
        var t = Trace("vm1", "172.24.4.30", "tcp", 22);
        Assert.True(t.Delivered, t.Verdict);
        Assert.Contains(t.Steps, s => s.Stage == "nat" && s.Object == "floatingip fip3" && s.Detail.Contains("DNAT 172.24.4.30 -> 10.0.1.3"));
        Assert.Contains(t.Steps, s => s.Stage == "nat" && s.Detail.Contains("SNAT 10.0.0.1 -> router gateway address 172.24.4.2"));
        Assert.Equal("vm3", t.Destination!.Id);

        // Ingress now sees 172.24.4.2: a rule for the inside prefix only no longer admits it.
        var narrowed = Trace("vm1", "172.24.4.30", "tcp", 22, o =>
            o.OfType<SecurityGroup>().Single(g => g.Id == "sg-ssh").Rules.Single(r => r.Id == "ssh-in-22").RemoteIpPrefix = "10.0.0.0/24");
        Assert.Equal("ingress security group", narrowed.Blocking!.Stage);
        Assert.Contains("from 172.24.4.2", narrowed.Blocking.Detail);
    }

    [Fact]
    public void An_external_address_leaves_through_the_gateway_from_the_ports_floating_ip()
    {
        var t = Trace("vm3", "8.8.8.8", "udp", 53);
        Assert.True(t.Delivered, t.Verdict);
        Assert.Contains("leaves through the external network public (ext)", t.Verdict);
        Assert.Contains(t.Steps, s => s.Stage == "nat" && s.Detail.Contains("floating IP 172.24.4.30"));
    }

    [Fact]
    public void A_spoofed_source_address_is_dropped_by_port_security()
    {
        var t = Trace("vm1", "10.0.0.2", "tcp", 22, src: IPAddress.Parse("10.0.0.99"));
        Assert.Equal("port security", t.Blocking!.Stage);
        Assert.Equal("fa:16:3e:00:00:02", t.DestinationMac); // the VM still sends it (to vm2): the switch's drop is traced
        Assert.Equal("fa:16:3e:00:01:01", Trace("vm1", "10.0.1.3", src: IPAddress.Parse("10.0.0.99")).DestinationMac); // routed: to its gateway
        Assert.True(Trace("vm1", "10.0.0.2", "tcp", 22, o => o.OfType<LogicalPort>().Single(p => p.Id == "vm1").AllowedAddressPairs = [new AddressPair("10.0.0.96/28")],
            IPAddress.Parse("10.0.0.99")).Delivered);
    }

    [Fact]
    public void A_port_can_be_named_by_its_fixed_ip_and_an_unknown_one_is_an_error()
    {
        Assert.True(Trace("10.0.0.1", "10.0.0.2", "tcp", 22).Delivered);
        Assert.Throws<ArgumentException>(() => Trace("nosuch", "10.0.0.2"));
    }

    [Theory]
    [InlineData("tcp", 22, 22, 22, true)]
    [InlineData("tcp", 22, 22, 23, false)]
    [InlineData("tcp", 1000, 2000, 1500, true)]
    [InlineData("udp", 22, 22, 22, false)]
    [InlineData(null, 22, 22, 9999, true)]  // no protocol: ports are not looked at
    [InlineData("6", 22, null, 22, true)]   // protocol by number; max defaults to min
    public void Rule_matching_follows_neutron(string? ruleProto, int min, int? max, int dport, bool matches)
    {
        var nb = NbSnapshot.Of([]);
        var rule = new SecurityGroupRule { Direction = "ingress", Protocol = ruleProto, PortRangeMin = ruleProto is null ? null : min, PortRangeMax = max };
        var packet = new PacketSpec("p", IPAddress.Parse("10.0.0.2"), "tcp") { DestinationPort = dport };
        Assert.Equal(matches, SecurityGroupCheck.Matches(nb, rule, "ingress", IPAddress.Parse("10.0.0.1"), packet));
    }
}
