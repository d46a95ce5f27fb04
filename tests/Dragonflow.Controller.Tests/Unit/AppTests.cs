using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>The apps as pure functions: cache state in, desired flows (in a real, switchless FlowInstaller) out.</summary>
public sealed class AppTests
{
    private readonly NbCache _nb = new();
    private readonly BridgePorts _bridge = new();
    private readonly FlowInstaller _flows = new();
    private readonly RecordingLogger _log = new();
    private readonly ChassisContext _context;
    private readonly L2App _l2;
    private readonly TunnelingApp _tunneling;

    public AppTests()
    {
        _context = new ChassisContext("here", ["geneve"], _nb, _bridge, _flows, _log);
        _l2 = new L2App(_context);
        _tunneling = new TunnelingApp(_context);
        _flows.Register(_l2.Id, _l2.Tables);
        _flows.Register(_tunneling.Id, _tunneling.Tables);
        _bridge.SetTunnel("geneve", 1);
        _nb.Put(new Chassis { Id = "here", Ip = "192.0.2.1", TunnelTypes = ["geneve"], Version = 1 });
    }

    private LogicalPort AddPort(int n, string? chassis, string net = "net1")
    {
        var port = new LogicalPort
        {
            Id = $"p{n}", Lswitch = net, Chassis = chassis, Version = 1, UniqueKey = n,
            Macs = [$"fa:16:3e:00:{n >> 8:x2}:{n & 0xff:x2}"], Ips = [new FixedIp("s", $"10.0.{n >> 8}.{n & 0xff}")],
        };
        _nb.Put(port);
        return port;
    }

    private void AddNetwork(string id = "net1", int key = 5, int seg = 100) =>
        _nb.Put(new LogicalSwitch { Id = id, UniqueKey = key, SegmentationId = seg, Version = 1 });

    [Fact]
    public void A_port_waits_for_its_network_then_gets_its_flows()
    {
        AddPort(1, "here");
        _bridge.SetInterface("tap1", "p1", 7);
        _l2.OnPortChanged("p1");
        Assert.Empty(_flows.Get(L2App.AppId, "p1"));

        AddNetwork();
        _l2.OnPortChanged("p1");
        var flows = _flows.Get(L2App.AppId, "p1");
        Assert.Contains(flows, f => f.Table == Tables.IngressClassification && f.Match.Equals(Match.Of(MatchField.InPort(7))));
        Assert.Contains(flows, f => f.Table == Tables.IngressDispatch && f.Instructions.ToString().Contains("output:7"));
        Assert.Contains(flows, f => f.Table == Tables.Arp);
    }

    [Fact]
    public void The_broadcast_flow_grows_with_local_ports_and_chassis_not_with_the_network()
    {
        AddNetwork();
        for (var c = 1; c <= 3; c++) _nb.Put(new Chassis { Id = $"c{c}", Ip = $"192.0.2.{10 + c}", TunnelTypes = ["geneve"], Version = 1 });
        for (var n = 1; n <= 2; n++)
        {
            AddPort(n, "here");
            _bridge.SetInterface($"tap{n}", $"p{n}", (uint)(10 + n));
        }
        for (var n = 100; n < 1100; n++) AddPort(n, $"c{n % 3 + 1}");

        _l2.OnNetworkChanged("net1");
        var flood = Assert.Single(_flows.Get(L2App.AppId, "lswitch:net1"));
        var actions = flood.Instructions.Instructions.OfType<ApplyActions>().Single().Actions;
        Assert.Equal(2 * 2 + 3 * 3, actions.Count); // (reg7, resubmit) per local port + (tun_id, tun_dst, output) per chassis
        Assert.Equal(3, actions.OfType<Output>().Count());
    }

    [Fact]
    public void A_remote_port_is_reached_through_the_tunnel_with_the_segmentation_id()
    {
        AddNetwork(seg: 4242);
        _nb.Put(new Chassis { Id = "there", Ip = "192.0.2.2", TunnelTypes = ["geneve"], Version = 1 });
        AddPort(9, "there");
        _tunneling.OnPortChanged("p9");
        var egress = Assert.Single(_flows.Get(TunnelingApp.AppId, "p9"));
        Assert.Equal(Tables.Egress, egress.Table);
        var text = egress.Instructions.ToString();
        Assert.Contains("0x1092->tun_id", text);
        Assert.Contains("192.0.2.2->tun_dst", text);
        Assert.Contains("output:1", text);

        // Unbound: no longer remote, its flows go.
        _nb.Put(new LogicalPort { Id = "p9", Lswitch = "net1", Version = 2, UniqueKey = 9, Macs = ["fa:16:3e:00:00:09"] });
        _tunneling.OnPortChanged("p9");
        Assert.Empty(_flows.Get(TunnelingApp.AppId, "p9"));
    }

    [Fact]
    public void A_port_with_a_malformed_mac_is_logged_and_skipped()
    {
        AddNetwork();
        _nb.Put(new LogicalPort { Id = "bad", Lswitch = "net1", Version = 1, UniqueKey = 3, Macs = ["zz:zz"] });
        _l2.OnPortChanged("bad");
        Assert.Empty(_flows.Get(L2App.AppId, "bad"));
        Assert.True(_log.Contains(Microsoft.Extensions.Logging.LogLevel.Warning, "bad"));
    }

    [Fact]
    public void A_flow_outside_an_apps_declared_tables_is_refused()
    {
        var rogue = new RogueApp(_context);
        rogue.OnPortChanged("x");
        Assert.Equal(1, _context.RefusedFlows);
        Assert.Empty(_flows.Get(L2App.AppId, "x"));
    }

    [Fact]
    public void Unknown_app_names_are_refused_at_start_up()
    {
        var e = Assert.Throws<ArgumentException>(() => AppCatalog.Validate(["l2", "l2_fast", "tunneling"]));
        Assert.Contains("l2_fast", e.Message);
        AppCatalog.Validate(["l2", "l3_proactive", "dhcp", "dnat", "sg", "portsec", "aging", "tunneling"]);
    }

    private sealed class RogueApp(ChassisContext context) : ControllerApp(context)
    {
        public override AppId Id => L2App.AppId;
        public override IReadOnlySet<byte> Tables { get; } = new HashSet<byte> { Pipeline.Tables.Arp };
        public override AppEvents Handles => AppEvents.Port;

        public override void OnPortChanged(string portId) =>
            Set(portId, [new DesiredFlow(Pipeline.Tables.Egress, 1, Match.All, InstructionSet.Drop)]);
    }
}
