using System.Net;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Apps.Dhcp;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Packets.Dhcp;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>The dhcp app as a pure function: cache state and a packet-in in, flows and packet-outs out; time is a parameter.</summary>
public sealed class DhcpAppTests
{
    private const string Mac = "fa:16:3e:00:00:07";
    private readonly NbCache _nb = new();
    private readonly BridgePorts _bridge = new();
    private readonly FlowInstaller _flows = new();
    private readonly RecordingLogger _log = new();
    private readonly ChassisContext _context;
    private readonly DhcpApp _app;
    private readonly List<(uint Port, byte[] Frame)> _sent = [];
    private TimeSpan _now = TimeSpan.FromSeconds(100);

    public DhcpAppTests()
    {
        _context = new ChassisContext("here", ["geneve"], _nb, _bridge, _flows, _log)
        {
            Clock = () => _now,
            PacketOutSender = (port, frame) => _sent.Add((port, frame)),
        };
        _app = new DhcpApp(_context);
        _flows.Register(_app.Contract);
        _nb.Put(new LogicalSwitch { Id = "net1", UniqueKey = 5, SegmentationId = 100, Mtu = 1450, Version = 1 });
        _nb.Put(new LogicalSubnet
        {
            Id = "sub1", Lswitch = "net1", Cidr = "10.0.0.0/24", GatewayIp = "10.0.0.1", DhcpIp = "10.0.0.2", Version = 1,
            DnsNameservers = ["192.0.2.53"], HostRoutes = [new HostRoute("172.16.0.0/16", "10.0.0.254")],
        });
        _nb.Put(new LogicalPort { Id = "p1", Lswitch = "net1", UniqueKey = 9, Macs = [Mac], Ips = [new FixedIp("sub1", "10.0.0.7")], Version = 1 });
        _bridge.SetInterface("tap1", "p1", 7);
        _app.Start();
        _app.OnPortChanged("p1");
    }

    private void PacketIn(byte[] frame) => _app.OnPacketIn(new PacketInData(Tables.Dhcp, FlowCookie.Make(DhcpApp.AppId, 1), 7, 5, 9, frame));

    private DhcpMessageType LastReplyType() => (DhcpMessageType)DhcpFrames.ReplyOptions(_sent[^1].Frame)[53][0];

    [Fact]
    public void A_local_port_with_dhcp_gets_a_controller_flow_in_table_11_and_table_9_sends_dhcp_there()
    {
        Assert.Contains(_flows.Get(DhcpApp.AppId, FlowOwner.Pipeline), f => f.Table == Tables.ServicesClassification && f.Priority > Priorities.Medium);
        var flows = _flows.Get(DhcpApp.AppId, FlowOwner.Port("p1"));
        Assert.Contains(flows, f => f.Table == Tables.Dhcp && f.Match.Equals(Match.Of(MatchField.InPort(7))) && f.Instructions.ToString()!.Contains("CONTROLLER"));
        Assert.Contains(flows, f => f.Table == Tables.Arp && f.Instructions.ToString()!.Contains("10.0.0.2"));
        Assert.Equal(0, _context.RefusedFlows);
    }

    [Fact]
    public void Disabling_dhcp_on_the_subnet_removes_the_ports_flows_and_enabling_brings_them_back()
    {
        _nb.Put(new LogicalSubnet { Id = "sub1", Lswitch = "net1", Cidr = "10.0.0.0/24", GatewayIp = "10.0.0.1", EnableDhcp = false, Version = 2 });
        _app.OnPortChanged("p1");
        Assert.Empty(_flows.Get(DhcpApp.AppId, FlowOwner.Port("p1")));
        PacketIn(DhcpFrames.Client(Mac, DhcpMessageType.Discover));
        Assert.Empty(_sent);

        _nb.Put(new LogicalSubnet { Id = "sub1", Lswitch = "net1", Cidr = "10.0.0.0/24", GatewayIp = "10.0.0.1", EnableDhcp = true, Version = 3 });
        _app.OnPortChanged("p1");
        Assert.NotEmpty(_flows.Get(DhcpApp.AppId, FlowOwner.Port("p1")));
    }

    [Fact]
    public void Discover_gets_an_offer_of_the_ports_address_with_every_option()
    {
        PacketIn(DhcpFrames.Client(Mac, DhcpMessageType.Discover, xid: 77));
        var (port, frame) = Assert.Single(_sent);
        Assert.Equal(7u, port);
        var o = DhcpFrames.ReplyOptions(frame);
        Assert.Equal((byte)DhcpMessageType.Offer, o[53][0]);
        Assert.Equal(new byte[] { 10, 0, 0, 7 }, frame.AsSpan(14 + 28 + 16, 4).ToArray());
        Assert.Equal(new byte[] { 255, 255, 255, 0 }, o[1]);
        Assert.Equal(new byte[] { 10, 0, 0, 1 }, o[3]);
        Assert.Equal(new byte[] { 192, 0, 2, 53 }, o[6]);
        Assert.Equal("openstacklocal"u8.ToArray(), o[15]);
        Assert.Equal(new byte[] { 0x05, 0xaa }, o[26]); // 1450
        Assert.Equal(new byte[] { 0, 1, 0x51, 0x80 }, o[51]);
        Assert.Equal(new byte[] { 10, 0, 0, 2 }, o[54]);
        Assert.Equal(new byte[] { 16, 172, 16, 10, 0, 0, 254, 0, 10, 0, 0, 1 }, o[121]); // host route + default via the gateway
    }

    [Fact]
    public void Request_for_the_ports_address_is_acked_and_for_another_is_naked()
    {
        PacketIn(DhcpFrames.Client(Mac, DhcpMessageType.Request, requested: "10.0.0.7", serverId: "10.0.0.2"));
        Assert.Equal(DhcpMessageType.Ack, LastReplyType());
        PacketIn(DhcpFrames.Client(Mac, DhcpMessageType.Request, requested: "10.0.0.99"));
        Assert.Equal(DhcpMessageType.Nak, LastReplyType());
        PacketIn(DhcpFrames.Client(Mac, DhcpMessageType.Request, ciaddr: "10.0.0.7")); // renewal
        Assert.Equal(DhcpMessageType.Ack, LastReplyType());
        Assert.Equal(3, _sent.Count);
    }

    [Fact]
    public void Request_to_another_server_release_decline_and_a_foreign_chaddr_get_no_reply()
    {
        PacketIn(DhcpFrames.Client(Mac, DhcpMessageType.Request, requested: "10.0.0.7", serverId: "10.0.0.3"));
        PacketIn(DhcpFrames.Client(Mac, DhcpMessageType.Release, ciaddr: "10.0.0.7"));
        PacketIn(DhcpFrames.Client(Mac, DhcpMessageType.Decline, requested: "10.0.0.7"));
        PacketIn(DhcpFrames.Client("fa:16:3e:00:00:99", DhcpMessageType.Discover));
        Assert.Empty(_sent);
        Assert.Contains(_log.Entries, e => e.Message.Contains("Release"));
    }

    [Fact]
    public void Malformed_packets_are_dropped_with_a_log_line()
    {
        var frame = DhcpFrames.Client(Mac, DhcpMessageType.Discover);
        PacketIn(frame[..100]);
        Assert.Empty(_sent);
        Assert.Equal(1, _app.Malformed);
        Assert.Contains(_log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("malformed DHCP packet"));
    }

    [Fact]
    public void A_flooding_port_is_limited_to_its_burst_then_its_rate()
    {
        var discover = DhcpFrames.Client(Mac, DhcpMessageType.Discover);
        for (var i = 0; i < 100; i++) PacketIn(discover);
        Assert.Equal((int)DhcpApp.Burst, _sent.Count);
        Assert.Equal(100 - (int)DhcpApp.Burst, _app.RateLimited);

        _now += TimeSpan.FromSeconds(1); // one second refills RatePerSecond tokens
        for (var i = 0; i < 100; i++) PacketIn(discover);
        Assert.Equal((int)(DhcpApp.Burst + DhcpApp.RatePerSecond), _sent.Count);
    }

    [Fact]
    public void The_token_bucket_refills_with_time_passed_in_and_never_beyond_its_burst()
    {
        var bucket = new TokenBucket(perSecond: 2, burst: 3);
        var t = TimeSpan.FromSeconds(10);
        Assert.True(bucket.TryTake(t) && bucket.TryTake(t) && bucket.TryTake(t));
        Assert.False(bucket.TryTake(t));
        Assert.True(bucket.TryTake(t + TimeSpan.FromMilliseconds(500)));
        Assert.False(bucket.TryTake(t + TimeSpan.FromMilliseconds(500)));
        t += TimeSpan.FromHours(1);
        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => bucket.TryTake(t)));
        Assert.False(bucket.TryTake(t - TimeSpan.FromSeconds(5))); // a clock going back gives nothing
    }

    [Fact]
    public void A_subnet_without_dhcp_ip_answers_from_its_gateway_and_without_host_routes_sends_no_option_121()
    {
        _nb.Put(new LogicalSubnet { Id = "sub1", Lswitch = "net1", Cidr = "10.0.0.0/24", GatewayIp = "10.0.0.1", Version = 5 });
        PacketIn(DhcpFrames.Client(Mac, DhcpMessageType.Discover));
        var o = DhcpFrames.ReplyOptions(_sent[^1].Frame);
        Assert.Equal(new byte[] { 10, 0, 0, 1 }, o[54]);
        Assert.False(o.ContainsKey(121));
        Assert.False(o.ContainsKey(6));
    }
}
