using System.Net;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Apps.Dnat;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Packets.Arp;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>
/// The dnat app as a pure function: a tenant network behind a router with an external gateway,
/// a VM plugged here, a floating IP; desired flows and packet-outs out. Time is the test's.
/// </summary>
public sealed class DnatAppTests
{
    private const uint Patch = 9;
    private const string FipMac = "fa:16:3e:aa:00:01";
    private const string GatewayMac = "52:54:00:12:34:56";

    private readonly NbCache _nb = new();
    private readonly BridgePorts _bridge = new();
    private readonly FlowInstaller _flows = new();
    private readonly ChassisContext _context;
    private readonly DnatApp _app;
    private readonly List<(uint Port, byte[] Frame)> _sent = [];
    private TimeSpan _now = TimeSpan.FromHours(1);

    public DnatAppTests()
    {
        _context = new ChassisContext("here", ["geneve"], _nb, _bridge, _flows, new RecordingLogger())
        {
            PacketOutSender = (port, frame) => _sent.Add((port, frame)),
            Clock = () => _now,
        };
        _app = new DnatApp(_context);
        _flows.Register(_app.Contract);
        _nb.Put(new LogicalSwitch { Id = "net1", UniqueKey = 11, SegmentationId = 101, Version = 1 });
        _nb.Put(new LogicalSwitch { Id = "ext", UniqueKey = 20, RouterExternal = true, NetworkType = "flat", PhysicalNetwork = "public", Version = 1 });
        _nb.Put(new LogicalSubnet { Id = "extsub", Lswitch = "ext", Cidr = "172.24.4.0/24", GatewayIp = "172.24.4.1", Version = 1 });
        _nb.Put(Vm("vm1", 41, "fa:16:3e:10:00:0a", "10.1.0.10", "here"));
        _nb.Put(Vm("vm2", 42, "fa:16:3e:10:00:0b", "10.1.0.11", "here"));
        _nb.Put(Vm("vm3", 43, "fa:16:3e:10:00:0c", "10.1.0.12", "there"));
        _nb.Put(new LogicalPort { Id = "flp", Lswitch = "ext", UniqueKey = 50, Version = 1, Macs = [FipMac], Ips = [new FixedIp("extsub", "172.24.4.10")] });
        _nb.Put(Router(1));
        _bridge.SetInterface("tap1", "vm1", 5);
        _bridge.SetInterface("tap2", "vm2", 6);
        _bridge.SetNeededPort("int-br-ex", Patch);
        _app.Start();
    }

    private static LogicalRouter Router(long version) => new()
    {
        Id = "r1", Version = version, UniqueKey = 1,
        Ports = [new LogicalRouterPort { Id = "if1", Lswitch = "net1", Network = "10.1.0.1/24", Mac = "fa:16:3e:10:00:01", UniqueKey = 2 }],
        ExternalGatewayInfo = new ExternalGatewayInfo { NetworkId = "ext" },
    };

    private static LogicalPort Vm(string id, long key, string mac, string ip, string chassis) =>
        new() { Id = id, Lswitch = "net1", UniqueKey = key, Version = 1, Chassis = chassis, Macs = [mac], Ips = [new FixedIp("s1", ip)] };

    /// <summary>A floating IP as the API server writes it (FloatingIpEndpoints).</summary>
    private void PutFip(long version, string? vm, string? fixedIp)
    {
        _nb.Put(new FloatingIp
        {
            Id = "fip1", Version = version, FloatingIpAddress = "172.24.4.10", FloatingNetworkId = "ext", FloatingLport = "flp",
            FloatingMac = FipMac, ExternalGatewayIp = "172.24.4.1", Lport = vm, FixedIpAddress = fixedIp, Lrouter = vm is null ? null : "r1",
        });
        _app.OnFloatingIpChanged("fip1");
    }

    private IReadOnlyCollection<DesiredFlow> FipFlows => _flows.Get(DnatApp.AppId, FlowOwner.FloatingIp("fip1"));

    private static string Text(DesiredFlow f) => f.Match + " " + f.Instructions;

    private static byte[] ArpReplyFromGateway(string mac = GatewayMac) =>
        new ArpPacket(ArpPacket.Reply, MacAddress.Parse(mac), IPAddress.Parse("172.24.4.1"), MacAddress.Parse(FipMac), IPAddress.Parse("172.24.4.10"))
            .ToFrame(MacAddress.Parse(FipMac));

    [Fact]
    public void An_associated_floating_ip_of_a_local_vm_answers_arp_and_is_natted_both_ways_once_the_gateway_is_learned()
    {
        PutFip(1, "vm1", "10.1.0.10");

        Assert.Contains(_flows.Get(DnatApp.AppId, FlowOwner.Concern("external-patch")), f => f.Table == Tables.IngressClassification
            && Text(f).Contains("in_port=9", StringComparison.Ordinal) && Text(f).Contains("goto_table:15", StringComparison.Ordinal));
        var flows = FipFlows;
        var arp = Assert.Single(flows, f => f.Table == Tables.IngressNat && f.Match.ToString().Contains("arp_tpa=172.24.4.10", StringComparison.Ordinal));
        Assert.Contains(FipMac, arp.Instructions.ToString(), StringComparison.Ordinal);
        Assert.Contains("IN_PORT", arp.Instructions.ToString(), StringComparison.OrdinalIgnoreCase);
        var ingress = Assert.Single(flows, f => f.Table == Tables.IngressNat && f.Match.ToString().Contains("nw_dst=172.24.4.10", StringComparison.Ordinal));
        var inText = ingress.Instructions.ToString();
        foreach (var expected in new[] { "10.1.0.10", "fa:16:3e:10:00:0a", "fa:16:3e:10:00:01", "dec_ttl", "goto_table:64" })
            Assert.Contains(expected, inText, StringComparison.Ordinal);
        var toNat = Assert.Single(flows, f => f.Table == Tables.L3Lookup);
        Assert.Contains("nw_src=10.1.0.10", toNat.Match.ToString(), StringComparison.Ordinal);
        Assert.True(toNat.Priority < Priorities.Low, "below the router's subnet and route flows");
        Assert.DoesNotContain(flows, f => f.Table == Tables.EgressNat); // the gateway's MAC is not known yet

        // Becoming local announced the floating IP (gratuitous ARP out of the patch port).
        var garp = ArpPacket.TryParse(Assert.Single(_sent).Frame)!;
        Assert.Equal(Patch, _sent[0].Port);
        Assert.Equal(IPAddress.Parse("172.24.4.10"), garp.SenderIp);
        Assert.Equal(garp.SenderIp, garp.TargetIp);

        // The next tick asks for the gateway from the floating IP; the reply is learned.
        _sent.Clear();
        _app.OnTimer();
        var request = ArpPacket.TryParse(Assert.Single(_sent).Frame)!;
        Assert.Equal((ArpPacket.Request, "172.24.4.1", "172.24.4.10", FipMac),
            (request.Operation, request.TargetIp.ToString(), request.SenderIp.ToString(), request.SenderMac.ToString()));
        Assert.Contains(_flows.Get(DnatApp.AppId, FlowOwner.Concern("gateways")), f => f.Match.ToString().Contains("arp_spa=172.24.4.1", StringComparison.Ordinal)
            && f.Instructions.ToString().Contains("CONTROLLER", StringComparison.OrdinalIgnoreCase));

        _app.OnPacketIn(new PacketInData(Tables.IngressNat, 0, Patch, 0, 0, ArpReplyFromGateway()));
        var egress = Assert.Single(FipFlows, f => f.Table == Tables.EgressNat);
        var outText = Text(egress);
        foreach (var expected in new[] { "nw_src=10.1.0.10", "172.24.4.10", FipMac, GatewayMac, "dec_ttl", "output:9" })
            Assert.Contains(expected, outText, StringComparison.Ordinal);
    }

    [Fact]
    public void Disassociation_removes_every_flow_and_a_move_points_them_at_the_new_vm()
    {
        PutFip(1, "vm1", "10.1.0.10");
        Assert.NotEmpty(FipFlows);

        PutFip(2, null, null);
        Assert.Empty(FipFlows);
        Assert.Empty(_flows.Get(DnatApp.AppId, FlowOwner.Concern("gateways")));
        Assert.Empty(_app.LocalFloatingIps);

        _sent.Clear();
        PutFip(3, "vm2", "10.1.0.11");
        var ingress = Assert.Single(FipFlows, f => f.Table == Tables.IngressNat && f.Match.ToString().Contains("nw_dst", StringComparison.Ordinal));
        Assert.Contains("10.1.0.11", ingress.Instructions.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("10.1.0.10", string.Join(" ", FipFlows.Select(Text)), StringComparison.Ordinal);
        Assert.Single(_sent); // the move is announced
    }

    [Fact]
    public void A_floating_ip_of_a_vm_on_another_chassis_has_no_flows_here()
    {
        PutFip(1, "vm3", "10.1.0.12");
        Assert.Empty(FipFlows);
        Assert.Empty(_sent);
        _app.OnTimer();
        Assert.Empty(_sent); // no gateway to ask for: nothing here uses one
    }

    [Fact]
    public void A_floating_ip_whose_router_arrives_later_is_natted_when_it_arrives()
    {
        _nb.Remove("lrouter", "r1");
        PutFip(1, "vm1", "10.1.0.10");
        Assert.Empty(FipFlows);
        _nb.Put(Router(2));
        _app.OnRouterChanged("r1");
        Assert.Contains(FipFlows, f => f.Table == Tables.IngressNat);
    }

    [Fact]
    public void A_vm_unplugged_here_loses_its_nat_and_gets_it_back_when_plugged_again()
    {
        PutFip(1, "vm1", "10.1.0.10");
        _bridge.RemoveInterface("tap1");
        _app.OnPortChanged("vm1");
        Assert.Empty(FipFlows);
        _bridge.SetInterface("tap1", "vm1", 7);
        _app.OnPortChanged("vm1");
        Assert.NotEmpty(FipFlows);
    }

    [Fact]
    public void An_external_network_on_an_unmapped_physical_network_is_not_natted_but_one_without_provider_attributes_is()
    {
        _nb.Put(new LogicalSwitch { Id = "ext", UniqueKey = 20, RouterExternal = true, NetworkType = "flat", PhysicalNetwork = "other", Version = 2 });
        PutFip(1, "vm1", "10.1.0.10");
        Assert.Empty(FipFlows);

        _nb.Put(new LogicalSwitch { Id = "ext", UniqueKey = 20, RouterExternal = true, NetworkType = "vxlan", SegmentationId = 77, Version = 3 });
        _app.OnNetworkChanged("ext");
        Assert.NotEmpty(FipFlows);
    }

    [Fact]
    public void The_gateway_is_asked_again_every_second_until_it_answers_then_refreshed_and_a_new_mac_is_followed()
    {
        PutFip(1, "vm1", "10.1.0.10");
        _sent.Clear();
        _app.OnTimer();
        _app.OnTimer(); // same instant: not again
        Assert.Single(_sent);
        _now += TimeSpan.FromSeconds(1);
        _app.OnTimer();
        Assert.Equal(2, _sent.Count);

        _app.OnPacketIn(new PacketInData(Tables.IngressNat, 0, Patch, 0, 0, ArpReplyFromGateway()));
        _now += TimeSpan.FromSeconds(5);
        _app.OnTimer();
        Assert.Equal(2, _sent.Count); // known: no retry
        _now += ExternalGateways.RefreshInterval;
        _app.OnTimer();
        Assert.Equal(3, _sent.Count); // refreshed

        _app.OnPacketIn(new PacketInData(Tables.IngressNat, 0, Patch, 0, 0, ArpReplyFromGateway("52:54:00:00:00:99")));
        Assert.Contains("52:54:00:00:00:99", Text(Assert.Single(FipFlows, f => f.Table == Tables.EgressNat)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_asks_for_a_tick_only_while_a_gateway_in_use_is_due()
    {
        Assert.Null(_app.NextTimer(_now)); // no floating IP: an idle chassis is not woken
        PutFip(1, "vm1", "10.1.0.10");
        Assert.Equal(TimeSpan.Zero, _app.NextTimer(_now)); // never asked: at once
        _app.OnTimer();
        Assert.Equal(_now + ExternalGateways.RetryInterval, _app.NextTimer(_now));
        _app.OnPacketIn(new PacketInData(Tables.IngressNat, 0, Patch, 0, 0, ArpReplyFromGateway()));
        Assert.Equal(_now + ExternalGateways.RefreshInterval, _app.NextTimer(_now)); // known: the refresh
        PutFip(2, null, null);
        Assert.Null(_app.NextTimer(_now)); // disassociated: no gateway in use here
    }

    [Fact]
    public void Replies_from_strangers_and_malformed_packet_ins_are_ignored()
    {
        PutFip(1, "vm1", "10.1.0.10");
        var stranger = new ArpPacket(ArpPacket.Reply, MacAddress.Parse("52:54:00:00:00:01"), IPAddress.Parse("172.24.4.99"),
            MacAddress.Parse(FipMac), IPAddress.Parse("172.24.4.10")).ToFrame();
        _app.OnPacketIn(new PacketInData(Tables.IngressNat, 0, Patch, 0, 0, stranger));
        _app.OnPacketIn(new PacketInData(Tables.IngressNat, 0, Patch, 0, 0, [1, 2, 3]));
        _app.OnPacketIn(new PacketInData(Tables.IngressNat, 0, Patch, 0, 0, ArpReplyFromGateway()[..30]));
        Assert.DoesNotContain(FipFlows, f => f.Table == Tables.EgressNat);
    }

    [Fact]
    public void Without_the_patch_port_nothing_is_installed()
    {
        _bridge.SetNeededPort("int-br-ex", null);
        _app.OnBridgePortsChanged();
        PutFip(1, "vm1", "10.1.0.10");
        Assert.Empty(FipFlows);
        Assert.Empty(_flows.Get(DnatApp.AppId, FlowOwner.Concern("external-patch")));
    }

    [Fact]
    public void Arp_frames_round_trip_and_other_frames_are_no_arp()
    {
        var request = ArpPacket.RequestFor(IPAddress.Parse("172.24.4.1"), MacAddress.Parse(FipMac), IPAddress.Parse("172.24.4.10"));
        var frame = request.ToFrame();
        Assert.Equal(ArpPacket.FrameLength, frame.Length);
        Assert.Equal("ff:ff:ff:ff:ff:ff", MacAddress.Read(frame).ToString());
        Assert.Equal(request, ArpPacket.TryParse(frame));
        frame[12] = 0x08;
        frame[13] = 0x00;
        Assert.Null(ArpPacket.TryParse(frame));
        Assert.Null(ArpPacket.TryParse(request.ToFrame()[..41]));
    }

    [Fact]
    public void The_cache_indexes_floating_ips_by_the_port_they_are_associated_with()
    {
        var cache = new NbCache();
        cache.Put(new FloatingIp { Id = "f", Version = 1, Lport = "a" });
        Assert.Equal(["f"], cache.FloatingIpsOfPort("a"));
        cache.Put(new FloatingIp { Id = "f", Version = 2, Lport = "b" });
        Assert.Empty(cache.FloatingIpsOfPort("a"));
        Assert.Equal(["f"], cache.FloatingIpsOfPort("b"));
        Assert.False(cache.Put(new FloatingIp { Id = "f", Version = 1, Lport = "a" }).Stored); // older
        Assert.NotNull(cache.Remove("floatingip", "f"));
        Assert.Empty(cache.FloatingIpsOfPort("b"));
        Assert.Contains(NbTables.FloatingIp, NbCache.Tables);
    }
}
