using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Routing;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Pipeline;

/// <summary>
/// One chassis ("here") of a cloud that uses every feature the apps implement: two tenant
/// networks with DHCP behind a router with an extra route and an external gateway, a floating
/// IP, security groups (one admitting another by remote group), port security with an allowed
/// address pair and a port without it, VMs here and on another chassis, and a VLAN network on
/// the router whose physical network is mapped to a bridge here. The apps run over it
/// through the controller's change router; their flows land in <see cref="Flows"/>.
/// </summary>
internal sealed class RichTopology
{
    public NbCache Nb { get; } = new();
    public BridgePorts Bridge { get; } = new();
    public RecordingFlowTable Flows { get; } = new();
    public RecordingLogger Log { get; } = new();
    public ChassisContext Context { get; }
    public IReadOnlyList<ControllerApp> Apps { get; }
    public ChangeRouter Router { get; }

    public RichTopology(IReadOnlyList<string> apps, IReadOnlyList<string>? bridgeMappings = null)
    {
        Context = new ChassisContext("here", ["geneve"], Nb, Bridge, Flows, Log) { BridgeMappings = bridgeMappings ?? ["public:br-ex", "physnet1:br-vlan"] };
        Bridge.SetTunnel("geneve", 1);
        Bridge.SetNeededPort(PatchedBridge.Named("br-ex").IntegrationPatch, 9);
        Bridge.SetNeededPort(PatchedBridge.Named("br-vlan").IntegrationPatch, 10);
        Bridge.SetNeededPort(Dragonflow.Controller.Apps.Metadata.MetadataAddress.InterfaceName, 11);
        Bridge.SetInterface("tap1", "vm1", 5);
        Bridge.SetInterface("tap6", "vm6", 7);
        Bridge.SetInterface("tap3", "vm3", 6);

        Nb.Put(new Chassis { Id = "here", Ip = "192.0.2.1", TunnelTypes = ["geneve"], Version = 1, EnableChassisAsGateway = true, ExternalPhysicalNetworks = ["public"] });
        Nb.Put(new Chassis { Id = "there", Ip = "192.0.2.2", TunnelTypes = ["geneve"], Version = 1 });
        Nb.Put(new LogicalSwitch { Id = "net1", UniqueKey = 11, SegmentationId = 101, Version = 1 });
        Nb.Put(new LogicalSwitch { Id = "net2", UniqueKey = 12, SegmentationId = 102, Version = 1 });
        Nb.Put(new LogicalSwitch { Id = "net3", UniqueKey = 13, NetworkType = "vlan", PhysicalNetwork = "physnet1", SegmentationId = 300, Version = 1 });
        Nb.Put(new LogicalSwitch { Id = "ext", UniqueKey = 20, RouterExternal = true, NetworkType = "flat", PhysicalNetwork = "public", Version = 1 });
        Nb.Put(new LogicalSubnet { Id = "s1", Lswitch = "net1", Cidr = "10.1.0.0/24", GatewayIp = "10.1.0.1", DhcpIp = "10.1.0.2", Version = 1 });
        Nb.Put(new LogicalSubnet { Id = "s2", Lswitch = "net2", Cidr = "10.2.0.0/24", GatewayIp = "10.2.0.1", DhcpIp = "10.2.0.2", Version = 1 });
        Nb.Put(new LogicalSubnet { Id = "s3", Lswitch = "net3", Cidr = "10.3.0.0/24", GatewayIp = "10.3.0.1", DhcpIp = "10.3.0.2", Version = 1 });
        Nb.Put(new LogicalSubnet { Id = "extsub", Lswitch = "ext", Cidr = "172.24.4.0/24", GatewayIp = "172.24.4.1", EnableDhcp = false, Version = 1 });

        Nb.Put(new SecurityGroup { Id = "web", UniqueKey = 1, Version = 1, Rules =
        [
            Rule("ingress", "tcp", 80, "0.0.0.0/0"),
            Rule("egress"),
        ] });
        Nb.Put(new SecurityGroup { Id = "db", UniqueKey = 2, Version = 1, Rules =
        [
            Rule("ingress", "tcp", 5432, remoteGroup: "web"),
            Rule("egress"),
        ] });

        Nb.Put(Port("rif1", "net1", 31, "fa:16:3e:00:01:01", "10.1.0.1", null, DeviceOwners.RouterInterface));
        Nb.Put(Port("rif2", "net2", 32, "fa:16:3e:00:02:01", "10.2.0.1", null, DeviceOwners.RouterInterface));
        Nb.Put(Port("rif3", "net3", 33, "fa:16:3e:00:03:01", "10.3.0.1", null, DeviceOwners.RouterInterface));
        Nb.Put(Port("vm6", "net3", 46, "fa:16:3e:30:00:0a", "10.3.0.10", "here", groups: ["web"]));
        Nb.Put(Port("vm7", "net3", 47, "fa:16:3e:30:00:0b", "10.3.0.11", "there", groups: ["web"]));
        Nb.Put(Port("vm1", "net1", 41, "fa:16:3e:10:00:0a", "10.1.0.10", "here", groups: ["web"]));
        Nb.Put(Port("vm2", "net1", 42, "fa:16:3e:10:00:0b", "10.1.0.11", "there", groups: ["web"]));
        var vm3 = Port("vm3", "net2", 43, "fa:16:3e:20:00:0a", "10.2.0.10", "here", groups: ["db"]);
        vm3.AllowedAddressPairs = [new AddressPair("10.2.0.100")];
        Nb.Put(vm3);
        var vm4 = Port("vm4", "net2", 44, "fa:16:3e:20:00:0b", "10.2.0.20", "there");
        vm4.PortSecurityEnabled = false;
        Nb.Put(vm4);
        Nb.Put(Port("vm5", "net2", 45, "fa:16:3e:20:00:0c", "10.2.0.21", "there", groups: ["db"]));
        Nb.Put(Port("flp", "ext", 50, "fa:16:3e:aa:00:01", "172.24.4.10", null, DeviceOwners.FloatingIp));
        Nb.Put(Port("rgw", "ext", 51, "fa:16:3e:ee:00:01", "172.24.4.2", null, DeviceOwners.RouterGateway));

        Nb.Put(new LogicalRouter
        {
            Id = "r1", Version = 1, UniqueKey = 1,
            Ports =
            [
                new LogicalRouterPort { Id = "rif1", Lswitch = "net1", Network = "10.1.0.1/24", Mac = "fa:16:3e:00:01:01", UniqueKey = 31 },
                new LogicalRouterPort { Id = "rif2", Lswitch = "net2", Network = "10.2.0.1/24", Mac = "fa:16:3e:00:02:01", UniqueKey = 32 },
                new LogicalRouterPort { Id = "rif3", Lswitch = "net3", Network = "10.3.0.1/24", Mac = "fa:16:3e:00:03:01", UniqueKey = 33 },
            ],
            Routes = [new HostRoute("192.168.5.0/24", "10.2.0.20")],
            ExternalGatewayInfo = new ExternalGatewayInfo { NetworkId = "ext", PortId = "rgw" },
        });
        Nb.Put(new FloatingIp
        {
            Id = "fip1", Version = 1, FloatingIpAddress = "172.24.4.10", FloatingNetworkId = "ext", FloatingLport = "flp",
            FloatingMac = "fa:16:3e:aa:00:01", ExternalGatewayIp = "172.24.4.1", ExternalGatewayMac = "52:54:00:12:34:56",
            Lport = "vm1", FixedIpAddress = "10.1.0.10", Lrouter = "r1",
        });

        Apps = AppCatalog.Create(apps, Context);
        Router = new ChangeRouter(Nb, Apps);
        foreach (var app in Apps) app.Start();
        Router.RecomputeAll();
    }

    private static SecurityGroupRule Rule(string direction, string? protocol = null, int? port = null, string? prefix = null, string? remoteGroup = null) => new()
    {
        Id = $"{direction}-{protocol}-{port}-{remoteGroup}", Direction = direction, Ethertype = "IPv4", Protocol = protocol,
        PortRangeMin = port, PortRangeMax = port, RemoteIpPrefix = prefix, RemoteGroupId = remoteGroup,
    };

    private static LogicalPort Port(string id, string net, long key, string mac, string ip, string? chassis, string owner = "compute:nova",
        string[]? groups = null) => new()
    {
        Id = id, Lswitch = net, UniqueKey = key, Version = 1, Chassis = chassis, BindingHostId = chassis, Macs = [mac],
        Ips = [new FixedIp(net == "net1" ? "s1" : net == "net2" ? "s2" : net == "net3" ? "s3" : "extsub", ip)], DeviceOwner = owner, SecurityGroups = [.. groups ?? []],
    };
}
