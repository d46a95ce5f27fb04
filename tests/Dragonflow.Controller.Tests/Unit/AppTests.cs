using Dragonflow.Controller.Apps.L2;
using Dragonflow.Controller.Apps.Tunneling;
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
        _flows.Register(_l2.Contract);
        _flows.Register(_tunneling.Contract);
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
        Assert.Empty(_flows.Get(L2App.AppId, FlowOwner.Port("p1")));

        AddNetwork();
        _l2.OnPortChanged("p1");
        var flows = _flows.Get(L2App.AppId, FlowOwner.Port("p1"));
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
        var flood = Assert.Single(_flows.Get(L2App.AppId, FlowOwner.Network("net1")));
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
        var egress = Assert.Single(_flows.Get(TunnelingApp.AppId, FlowOwner.Port("p9")));
        Assert.Equal(Tables.Egress, egress.Table);
        var text = egress.Instructions.ToString();
        Assert.Contains("0x1092->tun_id", text);
        Assert.Contains("192.0.2.2->tun_dst", text);
        Assert.Contains("output:1", text);

        // Unbound: no longer remote, its flows go.
        _nb.Put(new LogicalPort { Id = "p9", Lswitch = "net1", Version = 2, UniqueKey = 9, Macs = ["fa:16:3e:00:00:09"] });
        _tunneling.OnPortChanged("p9");
        Assert.Empty(_flows.Get(TunnelingApp.AppId, FlowOwner.Port("p9")));
    }

    [Fact]
    public void A_port_with_a_malformed_mac_is_logged_and_skipped()
    {
        AddNetwork();
        _nb.Put(new LogicalPort { Id = "bad", Lswitch = "net1", Version = 1, UniqueKey = 3, Macs = ["zz:zz"] });
        _l2.OnPortChanged("bad");
        Assert.Empty(_flows.Get(L2App.AppId, FlowOwner.Port("bad")));
        Assert.True(_log.Contains(Microsoft.Extensions.Logging.LogLevel.Warning, "bad"));
    }

    [Theory]
    [InlineData(Tables.Egress, Priorities.Medium, Tables.IngressConntrack, "may not write table 64")] // a table it did not declare
    [InlineData(Tables.Arp, Priorities.High, Tables.L2Lookup, "outside its bands")]             // a priority outside its band
    [InlineData(Tables.Arp, Priorities.Medium, Tables.L3Lookup, "leads to table 20")]           // a goto the pipeline does not allow
    public void A_flow_outside_an_apps_contract_is_refused_and_nothing_of_the_owner_changes(byte table, ushort priority, byte next, string why)
    {
        var rogue = new RogueApp(_context);
        _flows.Register(rogue.Contract);
        rogue.Write(Match.Of(MatchField.EthType(0x0806)), Tables.Arp, Priorities.Medium, Tables.L2Lookup); // inside: kept
        Assert.Single(_flows.Get(RogueApp.AppId, FlowOwner.Port("x")));

        rogue.Write(Match.All, table, priority, next);
        Assert.Equal(1, _context.RefusedFlows);
        Assert.True(_log.Contains(Microsoft.Extensions.Logging.LogLevel.Error, why));
        var kept = Assert.Single(_flows.Get(RogueApp.AppId, FlowOwner.Port("x")));
        Assert.Equal(Tables.Arp, kept.Table);
    }

    [Fact]
    public void Apps_whose_bands_compete_cannot_run_together()
    {
        var e = Assert.Throws<ArgumentException>(() => AppCatalog.Validate(["l2", "l3_proactive", "l3_reactive"]));
        Assert.Contains("l3_proactive band", e.Message);
        Assert.Contains("l3_reactive band", e.Message);
        Assert.Contains("table 20", e.Message);
    }

    [Fact]
    public void Unknown_app_names_are_refused_at_start_up()
    {
        var e = Assert.Throws<ArgumentException>(() => AppCatalog.Validate(["l2", "l2_fast", "tunneling"]));
        Assert.Contains("l2_fast", e.Message);
        AppCatalog.Validate(["l2", "l3_proactive", "dhcp", "dnat", "sg", "portsec", "aging", "tunneling"]);
    }

    /// <summary>An app that declares one band in table 10 and writes whatever it is told to.</summary>
    private sealed class RogueApp(ChassisContext context) : ControllerApp(context)
    {
        public static readonly AppId AppId = new(42, "rogue");
        public override AppContract Contract { get; } = new(AppId, [PriorityBand.At(Tables.Arp, "answers", Priorities.Medium)]);
        public override AppEvents Handles => AppEvents.None;

        public void Write(Match match, byte table, ushort priority, byte next) =>
            Set(FlowOwner.Port("x"), [new DesiredFlow(table, priority, match, InstructionSet.Of(Instruction.Goto(next)))]);
    }
}
