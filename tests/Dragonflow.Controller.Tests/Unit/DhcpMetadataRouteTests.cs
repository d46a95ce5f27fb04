using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Apps.Dhcp;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Packets.Dhcp;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>
/// With the metadata service on the chassis, DHCP gives a host route to 169.254.169.254 via the
/// DHCP server to subnets no router serves (Neutron's isolated metadata); a subnet with a router
/// interface reaches it through its default route and gets none.
/// </summary>
public sealed class DhcpMetadataRouteTests
{
    private const string Mac = "fa:16:3e:00:00:07";
    private readonly NbCache _nb = new();
    private readonly List<byte[]> _sent = [];

    private DhcpApp App(bool metadataService)
    {
        var bridge = new BridgePorts();
        var context = new ChassisContext("here", ["geneve"], _nb, bridge, new FlowInstaller(), new RecordingLogger())
        {
            MetadataService = metadataService,
            PacketOutSender = (_, frame) => _sent.Add(frame),
        };
        _nb.Put(new LogicalSwitch { Id = "net1", UniqueKey = 5, SegmentationId = 100, Version = 1 });
        _nb.Put(new LogicalSubnet { Id = "sub1", Lswitch = "net1", Cidr = "10.0.0.0/24", GatewayIp = "10.0.0.1", DhcpIp = "10.0.0.2", Version = 1 });
        _nb.Put(new LogicalPort { Id = "p1", Lswitch = "net1", UniqueKey = 9, Macs = [Mac], Ips = [new FixedIp("sub1", "10.0.0.7")], Version = 1 });
        bridge.SetInterface("tap1", "p1", 7);
        return new DhcpApp(context);
    }

    private byte[]? RoutesOffered(DhcpApp app)
    {
        app.OnPacketIn(new PacketInData(Tables.Dhcp, FlowCookie.Make(DhcpApp.AppId, 1), 7, 5, 9, DhcpFrames.Client(Mac, DhcpMessageType.Discover)));
        return DhcpFrames.ReplyOptions(_sent[^1]).GetValueOrDefault(DhcpOptionCode.ClasslessStaticRoutes);
    }

    [Fact]
    public void A_subnet_without_a_router_gets_the_metadata_route_via_the_dhcp_server()
    {
        var routes = RoutesOffered(App(metadataService: true));
        // RFC 3442: /32 169.254.169.254 via 10.0.0.2, then the default route via the gateway.
        Assert.Equal("20a9fea9fe0a00000200" + "0a000001", Convert.ToHexStringLower(routes!));
    }

    [Fact]
    public void A_subnet_with_a_router_interface_gets_none()
    {
        var app = App(metadataService: true);
        _nb.Put(new LogicalPort { Id = "rif", Lswitch = "net1", UniqueKey = 3, Macs = ["fa:16:3e:00:00:01"], Ips = [new FixedIp("sub1", "10.0.0.1")],
            DeviceOwner = DeviceOwners.RouterInterface, Version = 1 });
        Assert.Null(RoutesOffered(app));
    }

    [Fact]
    public void Without_the_metadata_service_there_is_no_route() => Assert.Null(RoutesOffered(App(metadataService: false)));
}
