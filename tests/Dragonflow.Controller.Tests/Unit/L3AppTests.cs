using Dragonflow.Controller.Apps.L3;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>The L3 apps as pure functions: a router with two subnets in the cache, desired flows out.</summary>
public sealed class L3AppTests
{
    private readonly NbCache _nb = new();
    private readonly BridgePorts _bridge = new();
    private readonly FlowInstaller _flows = new();
    private readonly ChassisContext _context;
    private readonly L3ProactiveApp _proactive;
    private readonly L3ReactiveApp _reactive;

    public L3AppTests()
    {
        _context = new ChassisContext("here", ["geneve"], _nb, _bridge, _flows, new RecordingLogger());
        _proactive = new L3ProactiveApp(_context);
        _reactive = new L3ReactiveApp(_context);
        _flows.Register(_proactive.Contract);
        _flows.Register(_reactive.Contract);
        _nb.Put(new LogicalSwitch { Id = "net1", UniqueKey = 11, SegmentationId = 101, Version = 1 });
        _nb.Put(new LogicalSwitch { Id = "net2", UniqueKey = 12, SegmentationId = 102, Version = 1 });
        _nb.Put(new LogicalPort { Id = "vm2", Lswitch = "net2", UniqueKey = 42, Version = 1, Chassis = "there",
            Macs = ["fa:16:3e:20:00:0a"], Ips = [new FixedIp("s2", "10.2.0.10")] });
        _nb.Put(Router(1, Interface("if1", "net1", "10.1.0.1/24", "fa:16:3e:10:00:01"), Interface("if2", "net2", "10.2.0.1/24", "fa:16:3e:20:00:01")));
    }

    private static LogicalRouterPort Interface(string id, string net, string cidr, string mac) =>
        new() { Id = id, Lswitch = net, Network = cidr, Mac = mac, UniqueKey = 1 };

    private static LogicalRouter Router(long version, params LogicalRouterPort[] ports) =>
        new() { Id = "r1", Version = version, UniqueKey = 1, Ports = [.. ports] };

    private static byte[] Ipv4Frame(string dst)
    {
        var f = new byte[42];
        f[12] = 0x08;
        f[14] = 0x45;
        System.Net.IPAddress.Parse(dst).GetAddressBytes().CopyTo(f, 30);
        return f;
    }

    [Fact]
    public void Proactive_installs_the_hop_to_each_vm_from_the_other_subnet_and_drops_it_with_the_interface()
    {
        _proactive.OnRouterChanged("r1");
        var router = _flows.Get(L3ProactiveApp.AppId, FlowOwner.Router("r1"));
        Assert.Contains(router, f => f.Table == Tables.L2Lookup && f.Instructions.ToString().Contains("20", StringComparison.Ordinal));
        Assert.Contains(router, f => f.Table == Tables.L3Lookup && f.Instructions.ToString().Contains("25", StringComparison.Ordinal));

        var hop = Assert.Single(_flows.Get(L3ProactiveApp.AppId, FlowOwner.Port("vm2")));
        Assert.Equal(Tables.L3ProactiveLookup, hop.Table);
        var text = hop.Match + " " + hop.Instructions;
        Assert.Contains("10.2.0.10", text, StringComparison.Ordinal);
        Assert.Contains("dec_ttl", text, StringComparison.Ordinal);
        Assert.Contains("fa:16:3e:20:00:0a", text, StringComparison.Ordinal);

        _nb.Put(Router(2, Interface("if2", "net2", "10.2.0.1/24", "fa:16:3e:20:00:01")));
        _proactive.OnRouterChanged("r1");
        Assert.Empty(_flows.Get(L3ProactiveApp.AppId, FlowOwner.Port("vm2")));
        Assert.DoesNotContain(_flows.Get(L3ProactiveApp.AppId, FlowOwner.Router("r1")), f => f.Instructions.ToString().Contains("25", StringComparison.Ordinal));
    }

    [Fact]
    public void Reactive_installs_the_hop_on_the_first_packet_with_an_idle_timeout()
    {
        _reactive.OnRouterChanged("r1");
        Assert.Contains(_flows.Get(L3ReactiveApp.AppId, FlowOwner.Router("r1")), f => f.Table == Tables.L3Lookup && f.Instructions.ToString().Contains("CONTROLLER", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(_flows.Get(L3ReactiveApp.AppId, L3ReactiveApp.HopOwner("vm2", 11, System.Net.IPAddress.Parse("10.2.0.10"))));

        _reactive.OnPacketIn(new PacketInData(Tables.L3Lookup, 0, 3, 11, 7, Ipv4Frame("10.2.0.10")));
        var hop = Assert.Single(_flows.Get(L3ReactiveApp.AppId, L3ReactiveApp.HopOwner("vm2", 11, System.Net.IPAddress.Parse("10.2.0.10"))));
        Assert.Equal(Priorities.VeryHigh, hop.Priority);
        Assert.Equal(L3ReactiveApp.IdleTimeout, hop.IdleTimeout);
        Assert.Contains("dec_ttl", hop.Instructions.ToString(), StringComparison.Ordinal);

        _reactive.OnPacketIn(new PacketInData(Tables.L3Lookup, 0, 3, 11, 7, Ipv4Frame("10.2.0.99"))); // nobody has it
        Assert.Empty(_flows.Get(L3ReactiveApp.AppId, L3ReactiveApp.HopOwner("vm2", 11, System.Net.IPAddress.Parse("10.2.0.99"))));
        _reactive.OnPacketIn(new PacketInData(Tables.L3Lookup, 0, 3, 11, 7, [1, 2, 3])); // truncated: dropped

        _nb.Remove("lport", "vm2");
        _reactive.OnPortChanged("vm2");
        Assert.Empty(_flows.Get(L3ReactiveApp.AppId, L3ReactiveApp.HopOwner("vm2", 11, System.Net.IPAddress.Parse("10.2.0.10"))));
    }

    [Fact]
    public void An_extra_route_goes_to_the_port_holding_its_next_hop()
    {
        var r = Router(3, Interface("if1", "net1", "10.1.0.1/24", "fa:16:3e:10:00:01"), Interface("if2", "net2", "10.2.0.1/24", "fa:16:3e:20:00:01"));
        r.Routes = [new HostRoute("192.168.5.0/24", "10.2.0.10")];
        _nb.Put(r);
        _proactive.OnRouterChanged("r1");
        var route = _flows.Get(L3ProactiveApp.AppId, FlowOwner.Router("r1")).Where(f => f.Match.ToString().Contains("192.168.5.0", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, route.Count); // from each of the two subnets
        Assert.All(route, f => Assert.Equal(Priorities.Low + 24, f.Priority));
        Assert.All(route, f => Assert.Contains("fa:16:3e:20:00:0a", f.Instructions.ToString(), StringComparison.Ordinal));
    }
}
