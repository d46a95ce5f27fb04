using System.Net;
using Dragonflow.Controller.Apps.L2;
using Dragonflow.Controller.Apps.PortSecurity;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.Testing;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>
/// The portsec app as a pure function: cache state in, flows of tables 1 and 2 out, judged by
/// where a packet goes (table by table, the highest-priority flow whose match covers its fields,
/// as a switch picks it), together with l2's priority-1 pass.
/// </summary>
public sealed class PortSecurityAppTests
{
    private const string Mac = "fa:16:3e:00:00:07";
    private const uint Key = 9;
    private readonly NbCache _nb = new();
    private readonly BridgePorts _bridge = new();
    private readonly FlowInstaller _flows = new();
    private readonly RecordingLogger _log = new();
    private readonly ChassisContext _context;
    private readonly PortSecurityApp _app;
    private readonly L2App _l2;

    public PortSecurityAppTests()
    {
        _context = new ChassisContext("here", ["geneve"], _nb, _bridge, _flows, _log);
        _app = new PortSecurityApp(_context);
        _l2 = new L2App(_context);
        _flows.Register(_app.Contract);
        _flows.Register(_l2.Contract);
        _l2.Start();
        _app.Start();
        _nb.Put(new LogicalSwitch { Id = "net1", UniqueKey = 5, SegmentationId = 100, Version = 1 });
        SetPort(1, p => { });
        _bridge.SetInterface("tap1", "p1", 7);
        _app.OnPortChanged("p1");
    }

    private void SetPort(long version, Action<LogicalPort> change)
    {
        var port = new LogicalPort
        {
            Id = "p1", Lswitch = "net1", UniqueKey = Key, Macs = [Mac], Version = version,
            Ips = [new FixedIp("sub1", "10.0.0.7"), new FixedIp("sub6", "2001:db8::7")],
        };
        change(port);
        _nb.Put(port);
        _app.OnPortChanged("p1");
    }

    // ---- packets as a switch sees their fields -------------------------------------------------

    private static Dictionary<OxmField, byte[]> Frame(string src, ushort ethType, uint key = Key) => new()
    {
        [OxmFields.Reg6] = Be(key, 4),
        [OxmFields.EthSrc] = Be(MacAddress.Parse(src).Value, 6),
        [OxmFields.EthType] = Be(ethType, 2),
    };

    private static Dictionary<OxmField, byte[]> Ipv4(string mac, string src, byte proto = 1, ushort? udpSrc = null, ushort? udpDst = null)
    {
        var f = Frame(mac, 0x0800);
        f[OxmFields.Ipv4Src] = IPAddress.Parse(src).GetAddressBytes();
        f[OxmFields.Ipv4Dst] = IPAddress.Parse("255.255.255.255").GetAddressBytes();
        f[OxmFields.IpProto] = [proto];
        if (udpSrc is { } s) f[OxmFields.UdpSrc] = Be(s, 2);
        if (udpDst is { } d) f[OxmFields.UdpDst] = Be(d, 2);
        return f;
    }

    private static Dictionary<OxmField, byte[]> Arp(string mac, string sha, string spa)
    {
        var f = Frame(mac, 0x0806);
        f[OxmFields.ArpOp] = Be(1, 2);
        f[OxmFields.ArpSha] = Be(MacAddress.Parse(sha).Value, 6);
        f[OxmFields.ArpSpa] = IPAddress.Parse(spa).GetAddressBytes();
        return f;
    }

    private static Dictionary<OxmField, byte[]> Ipv6(string mac, string src, byte proto = 17, byte? icmpType = null)
    {
        var f = Frame(mac, 0x86dd);
        f[OxmFields.Ipv6Src] = IPAddress.Parse(src).GetAddressBytes();
        f[OxmFields.IpProto] = [proto];
        if (icmpType is { } t) f[OxmFields.Icmpv6Type] = [t];
        return f;
    }

    private static byte[] Be(ulong v, int width)
    {
        var b = new byte[width];
        for (var i = width - 1; i >= 0; i--, v >>= 8) b[i] = (byte)v;
        return b;
    }

    /// <summary>True when tables 1 and 2 send the packet on (to table 3); false when they drop it.</summary>
    private bool Passes(Dictionary<OxmField, byte[]> packet)
    {
        var flows = _flows.Get(PortSecurityApp.AppId, FlowOwner.Port("p1")).Concat(_flows.Get(PortSecurityApp.AppId, FlowOwner.Pipeline))
            .Concat(_flows.Get(L2App.AppId, FlowOwner.Pipeline)).ToList();
        var table = Tables.EgressPortSecurity;
        while (true)
        {
            var winner = flows.Where(f => f.Table == table && Covers(f.Match, packet)).OrderByDescending(f => f.Priority).FirstOrDefault();
            Assert.NotNull(winner); // l2's priority-1 flow matches everything in table 1, portsec's drop in table 2
            var gotos = winner.Instructions.Instructions.OfType<GotoTable>().ToList();
            if (gotos.Count != 1) return false;
            if (gotos[0].Table == Tables.EgressConntrack) return true;
            Assert.Equal(Tables.EgressSourceAddress, gotos[0].Table);
            table = gotos[0].Table;
        }
    }

    private static bool Covers(Match match, Dictionary<OxmField, byte[]> packet)
    {
        foreach (var f in match.Fields)
        {
            if (!packet.TryGetValue(f.Field, out var value) || value.Length != f.Value.Length) return false;
            for (var i = 0; i < value.Length; i++)
            {
                var mask = f.HasMask ? f.Mask[i] : (byte)0xff;
                if ((value[i] & mask) != f.Value[i]) return false;
            }
        }
        return true;
    }

    // ---- the port's own addresses ---------------------------------------------------------------

    [Fact]
    public void The_port_sends_ipv4_and_arp_from_its_own_mac_and_ip()
    {
        Assert.True(Passes(Ipv4(Mac, "10.0.0.7")));
        Assert.True(Passes(Arp(Mac, Mac, "10.0.0.7")));
        Assert.Equal(0, _context.RefusedFlows);
    }

    [Fact]
    public void Another_mac_or_source_ip_is_dropped()
    {
        Assert.False(Passes(Ipv4("fa:16:3e:00:00:08", "10.0.0.7")), "spoofed MAC");
        Assert.False(Passes(Ipv4(Mac, "10.0.0.8")), "spoofed IP");
        Assert.False(Passes(Arp(Mac, Mac, "10.0.0.8")), "ARP for another IP");
        Assert.False(Passes(Arp(Mac, "fa:16:3e:00:00:08", "10.0.0.7")), "ARP with another sender MAC");
        Assert.False(Passes(Arp("fa:16:3e:00:00:08", Mac, "10.0.0.7")), "ARP from another Ethernet source");
        Assert.False(Passes(Frame(Mac, 0x88cc)), "other ethertypes (LLDP)");
    }

    [Fact]
    public void Dhcp_from_the_unspecified_address_and_arp_probes_pass_only_with_the_ports_mac()
    {
        Assert.True(Passes(Ipv4(Mac, "0.0.0.0", 17, 68, 67)), "DHCP DISCOVER");
        Assert.False(Passes(Ipv4(Mac, "0.0.0.0", 17, 67, 68)), "a DHCP server reply from the VM");
        Assert.False(Passes(Ipv4(Mac, "0.0.0.0", 1)), "other traffic from 0.0.0.0");
        Assert.False(Passes(Ipv4("fa:16:3e:00:00:08", "0.0.0.0", 17, 68, 67)), "DHCP from another MAC");
        Assert.True(Passes(Arp(Mac, Mac, "0.0.0.0")), "ARP probe");
        Assert.False(Passes(Arp(Mac, "fa:16:3e:00:00:08", "0.0.0.0")), "ARP probe for another MAC");
    }

    [Fact]
    public void Ipv6_from_its_address_its_link_local_and_dad_from_the_unspecified_address_pass_router_advertisements_do_not()
    {
        Assert.Equal(IPAddress.Parse("fe80::f816:3eff:fe00:7"), AllowedSource.LinkLocal(MacAddress.Parse(Mac)));
        Assert.True(Passes(Ipv6(Mac, "2001:db8::7")));
        Assert.True(Passes(Ipv6(Mac, "fe80::f816:3eff:fe00:7")));
        Assert.False(Passes(Ipv6(Mac, "2001:db8::8")), "another global address");
        Assert.False(Passes(Ipv6(Mac, "fe80::f816:3eff:fe00:8")), "another link-local address");
        Assert.True(Passes(Ipv6(Mac, "::", 58, 135)), "DAD neighbour solicitation");
        Assert.True(Passes(Ipv6(Mac, "::", 58, 133)), "router solicitation");
        Assert.True(Passes(Ipv6(Mac, "::", 58, 143)), "MLDv2 report");
        Assert.False(Passes(Ipv6(Mac, "::", 58, 136)), "neighbour advertisement from ::");
        Assert.False(Passes(Ipv6(Mac, "::", 17)), "UDP from ::");
        Assert.True(Passes(Ipv6(Mac, "fe80::f816:3eff:fe00:7", 58, 135)), "neighbour solicitation");
        Assert.False(Passes(Ipv6(Mac, "fe80::f816:3eff:fe00:7", 58, 134)), "router advertisement");
    }

    // ---- allowed address pairs and the switch ---------------------------------------------------

    [Fact]
    public void An_allowed_address_pair_lets_its_ip_or_cidr_through_with_its_mac_or_the_ports()
    {
        Assert.False(Passes(Ipv4(Mac, "10.0.0.50")));
        SetPort(2, p => p.AllowedAddressPairs =
        [
            new AddressPair("10.0.0.50"),
            new AddressPair("192.168.10.0/24", "fa:16:3e:aa:bb:cc"),
            new AddressPair("2001:db8:1::/64"),
        ]);
        Assert.True(Passes(Ipv4(Mac, "10.0.0.50")));
        Assert.True(Passes(Arp(Mac, Mac, "10.0.0.50")));
        Assert.False(Passes(Ipv4(Mac, "10.0.0.51")), "the pair is one address");
        Assert.True(Passes(Ipv4("fa:16:3e:aa:bb:cc", "192.168.10.77")), "CIDR pair with its own MAC");
        Assert.True(Passes(Arp("fa:16:3e:aa:bb:cc", "fa:16:3e:aa:bb:cc", "192.168.10.1")));
        Assert.False(Passes(Ipv4(Mac, "192.168.10.77")), "the CIDR pair only with its MAC");
        Assert.False(Passes(Ipv4("fa:16:3e:aa:bb:cc", "10.0.0.7")), "the pair's MAC only with the pair's addresses");
        Assert.True(Passes(Ipv6(Mac, "2001:db8:1::1234")));
        Assert.True(Passes(Ipv6("fa:16:3e:aa:bb:cc", "fe80::f816:3eff:feaa:bbcc")), "the pair MAC's link-local address");

        SetPort(3, p => { });
        Assert.False(Passes(Ipv4(Mac, "10.0.0.50")), "pair removed");
    }

    [Fact]
    public void A_malformed_pair_is_logged_and_skipped_the_others_still_apply()
    {
        SetPort(2, p => p.AllowedAddressPairs = [new AddressPair("10.0.0.300"), new AddressPair("10.0.0.60", "zz"), new AddressPair("10.0.0.0/33"), new AddressPair("10.0.0.50")]);
        Assert.True(Passes(Ipv4(Mac, "10.0.0.50")));
        Assert.False(Passes(Ipv4(Mac, "10.0.0.60")));
        Assert.True(_log.Contains(LogLevel.Warning, "10.0.0.300"));
        Assert.True(_log.Contains(LogLevel.Warning, "zz"));
        Assert.True(_log.Contains(LogLevel.Warning, "10.0.0.0/33"));
    }

    [Fact]
    public void Disabling_port_security_leaves_the_port_one_flow_that_lets_everything_through()
    {
        SetPort(2, p => p.PortSecurityEnabled = false);
        Assert.Single(_flows.Get(PortSecurityApp.AppId, FlowOwner.Port("p1")));
        Assert.True(Passes(Ipv4("fa:16:3e:00:00:08", "10.9.9.9")));
        SetPort(3, p => p.PortSecurityEnabled = true);
        Assert.False(Passes(Ipv4("fa:16:3e:00:00:08", "10.9.9.9")));
    }

    [Fact]
    public void Only_local_ports_get_flows_and_other_ports_are_not_affected()
    {
        _nb.Put(new LogicalPort { Id = "p2", Lswitch = "net1", UniqueKey = 10, Macs = ["fa:16:3e:00:00:0a"], Chassis = "there", Version = 1 });
        _app.OnPortChanged("p2");
        Assert.Empty(_flows.Get(PortSecurityApp.AppId, FlowOwner.Port("p2")));
        // Only local ports reach table 1; a key the app was not told of is dropped, not passed.
        Assert.False(Passes(Frame("fa:16:3e:00:00:0a", 0x88cc, key: 10)), "key 10 is no local port's");

        _bridge.RemoveInterface("tap1");
        _app.OnPortChanged("p1");
        Assert.Empty(_flows.Get(PortSecurityApp.AppId, FlowOwner.Port("p1")));
    }

    [Fact]
    public void Portsec_is_a_known_app_with_cookie_id_8_writing_only_tables_1_and_2()
    {
        var apps = AppCatalog.Create(["l2", "portsec"], _context);
        var app = Assert.IsType<PortSecurityApp>(apps[1]);
        Assert.Equal(8, app.Id.Value);
        Assert.Equal([Tables.EgressPortSecurity, Tables.EgressSourceAddress], app.Contract.Tables.Order());
    }
}
