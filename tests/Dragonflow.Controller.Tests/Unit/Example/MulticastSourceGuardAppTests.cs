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

namespace Dragonflow.Controller.Tests.Unit.Example;

/// <summary>
/// The example app as a pure function: cache state in, flows in a switchless FlowInstaller out,
/// judged by where a packet goes in table 1 together with l2 and portsec.
/// </summary>
public sealed class MulticastSourceGuardAppTests
{
    private const string Mac = "fa:16:3e:00:00:07";
    private const uint Key = 9;
    private readonly NbCache _nb = new();
    private readonly BridgePorts _bridge = new();
    private readonly FlowInstaller _flows = new();
    private readonly RecordingLogger _log = new();
    private readonly ChassisContext _context;
    private readonly MulticastSourceGuardApp _app;
    private readonly L2App _l2;
    private readonly PortSecurityApp _portsec;

    public MulticastSourceGuardAppTests()
    {
        _context = new ChassisContext("here", ["geneve"], _nb, _bridge, _flows, _log);
        _app = new MulticastSourceGuardApp(_context);
        _l2 = new L2App(_context);
        _portsec = new PortSecurityApp(_context);
        foreach (var app in new ControllerApp[] { _l2, _portsec, _app }) _flows.Register(app.Contract);
        _l2.Start();
        _portsec.Start();
        _nb.Put(new LogicalSwitch { Id = "net1", UniqueKey = 5, SegmentationId = 100, Version = 1 });
        SetPort(1, p => p.PortSecurityEnabled = false);
        _bridge.SetInterface("tap1", "p1", 7);
        PortChanged();
    }

    private void SetPort(long version, Action<LogicalPort> change)
    {
        var port = new LogicalPort { Id = "p1", Lswitch = "net1", UniqueKey = Key, Macs = [Mac], Ips = [new FixedIp("sub1", "10.0.0.7")], Version = version };
        change(port);
        _nb.Put(port);
        PortChanged();
    }

    /// <summary>What the change router does for a port change: every app that handles ports, in order.</summary>
    private void PortChanged()
    {
        _l2.OnPortChanged("p1");
        _portsec.OnPortChanged("p1");
        _app.OnPortChanged("p1");
    }

    /// <summary>
    /// True when table 1 sends a frame from port key <paramref name="key"/> and MAC <paramref name="src"/>
    /// on (to portsec's address check or to table 3); false when it drops it. The frame is IPv4 from
    /// <paramref name="ipv4Src"/>, or LLDP without one.
    /// </summary>
    private bool Passes(string src, uint key = Key, string? ipv4Src = null) =>
        Winner(src, key, ipv4Src).Instructions.Instructions.OfType<GotoTable>().Any(g => g.Table is Tables.EgressSourceAddress or Tables.EgressConntrack);

    /// <summary>The table-1 flow a switch would pick for the frame.</summary>
    private DesiredFlow Winner(string src, uint key = Key, string? ipv4Src = null)
    {
        var table = new[] { (L2App.AppId, FlowOwner.Pipeline), (PortSecurityApp.AppId, FlowOwner.Pipeline), (PortSecurityApp.AppId, FlowOwner.Port("p1")), (MulticastSourceGuardApp.AppId, FlowOwner.Port("p1")) }
            .SelectMany(o => _flows.Get(o.Item1, o.Item2))
            .Where(f => f.Table == Tables.EgressPortSecurity);
        var packet = new Dictionary<OxmField, ulong>
        {
            [OxmFields.Reg6] = key,
            [OxmFields.EthSrc] = MacAddress.Parse(src).Value,
            [OxmFields.EthType] = 0x88cc,
        };
        if (ipv4Src is not null)
        {
            packet[OxmFields.EthType] = 0x0800;
            packet[OxmFields.Ipv4Src] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(System.Net.IPAddress.Parse(ipv4Src).GetAddressBytes());
        }
        return table.Where(f => Covers(f.Match, packet)).OrderByDescending(f => f.Priority).First();
    }

    private static bool Covers(Match match, Dictionary<OxmField, ulong> packet)
    {
        foreach (var f in match.Fields)
        {
            if (!packet.TryGetValue(f.Field, out var value)) return false;
            ulong wanted = 0, mask = 0;
            for (var i = 0; i < f.Value.Length; i++)
            {
                wanted = wanted << 8 | f.Value[i];
                mask = mask << 8 | (f.HasMask ? f.Mask[i] : (byte)0xff);
            }
            if ((value & mask) != wanted) return false;
        }
        return true;
    }

    [Fact]
    public void Its_band_competes_with_no_app_of_the_catalogue()
    {
        foreach (var product in AppCatalog.Declarations())
        {
            Assert.NotEqual(MulticastSourceGuardApp.AppId.Value, product.Id.Value);
            Assert.Empty(AppContract.Conflicts([product.Contract, _app.Contract]));
        }
    }

    [Fact]
    public void A_local_port_gets_one_drop_flow_in_table_1_that_keeps_the_contract()
    {
        var flow = Assert.Single(_flows.Get(MulticastSourceGuardApp.AppId, FlowOwner.Port("p1")));
        Assert.Equal((Tables.EgressPortSecurity, MulticastSourceGuardApp.Bands.MulticastSource.Priority), (flow.Table, flow.Priority));
        Assert.Equal(InstructionSet.Drop, flow.Instructions);
        Assert.Null(_app.Contract.Check(flow));
        Assert.Equal(0, _context.RefusedFlows);
    }

    [Fact]
    public void A_multicast_source_is_dropped_a_unicast_one_goes_on()
    {
        Assert.False(Passes("01:00:5e:00:00:01"), "IPv4 multicast MAC as source");
        Assert.False(Passes("ff:ff:ff:ff:ff:ff"), "broadcast MAC as source");
        Assert.True(Passes(Mac), "the port's own MAC");
        Assert.True(Passes("fa:16:3e:00:00:08"), "another unicast MAC: port security is off for this port");
        var guard = Assert.Single(_flows.Get(MulticastSourceGuardApp.AppId, FlowOwner.Port("p1")));
        Assert.NotEqual(guard, Winner("01:00:5e:00:00:01", key: 10)); // another port's frames are not this port's flow's business
    }

    [Fact]
    public void With_port_security_on_the_ports_own_mac_passes_above_the_guard_and_the_rest_is_dropped()
    {
        SetPort(2, p => p.PortSecurityEnabled = true);
        Assert.True(Passes(Mac, ipv4Src: "10.0.0.7"), "portsec's own MAC, above the guard");
        Assert.False(Passes("fa:16:3e:00:00:08", ipv4Src: "10.0.0.7"), "portsec's drop of another MAC");
        Assert.False(Passes("01:00:5e:00:00:01", ipv4Src: "10.0.0.7"), "the guard's drop: portsec's own MACs are unicast");
        Assert.Single(_flows.Get(MulticastSourceGuardApp.AppId, FlowOwner.Port("p1")));
    }

    [Fact]
    public void Unplugged_remote_and_deleted_ports_have_no_flows()
    {
        _nb.Put(new LogicalPort { Id = "p2", Lswitch = "net1", UniqueKey = 10, Macs = ["fa:16:3e:00:00:0a"], Chassis = "there", Version = 1 });
        _app.OnPortChanged("p2");
        Assert.Empty(_flows.Get(MulticastSourceGuardApp.AppId, FlowOwner.Port("p2")));

        _bridge.RemoveInterface("tap1");
        _app.OnPortChanged("p1");
        Assert.Empty(_flows.Get(MulticastSourceGuardApp.AppId, FlowOwner.Port("p1")));

        _bridge.SetInterface("tap1", "p1", 7);
        _app.OnPortChanged("p1");
        Assert.Single(_flows.Get(MulticastSourceGuardApp.AppId, FlowOwner.Port("p1")));
        _nb.Remove(NbTables.Lport.Name, "p1");
        _app.OnPortChanged("p1");
        Assert.Empty(_flows.Get(MulticastSourceGuardApp.AppId, FlowOwner.Port("p1")));
    }
}
