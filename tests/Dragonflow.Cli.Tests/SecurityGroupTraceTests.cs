using Dragonflow.Cli.Inspection;
using Dragonflow.Cli.Inspection.Trace;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;

namespace Dragonflow.Cli.Tests;

/// <summary>
/// The OpenFlow half of `dragonflow trace` with the sg app: the owners the apps compute offline
/// (security groups replayed like the controller does), a conjunction named by its group and the
/// port's drop explained by the groups whose rules did not match. The traces are as Open vSwitch
/// 3.1 prints them on the destination's chassis (in from the tunnel, ingress tables 72/77).
/// </summary>
public sealed class SecurityGroupTraceTests
{
    const string Head = """
        Flow: tcp,in_port=1,tun_id=0x190,dl_src=fa:16:3e:40:00:01,dl_dst=fa:16:3e:40:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=40000,tp_dst=23

        bridge("br-int")
        ----------------
         0. tun_id=0x190,in_port=1,dl_dst=fa:16:3e:40:00:02, priority 200, cookie 0x200000000000001
            set_field:0x1->metadata
            set_field:0x2->reg7
            goto_table:72
        72. ip, priority 100, cookie 0x700000000000001
            ct(table=77,zone=OXM_OF_METADATA[0..15])
            drop
             -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 77.

        Final flow: unchanged
        Megaflow: recirc_id=0,eth,tcp,in_port=1
        Datapath actions: ct(zone=1),recirc(0x2)

        ===============================================================================
        recirc(0x2) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
        ===============================================================================

        Flow: recirc_id=0x2,ct_state=new|trk,ct_zone=1,eth,tcp,reg7=0x2,metadata=0x1,in_port=1

        bridge("br-int")
        ----------------
            thaw
                Resuming from table 77

        """;

    const string Dropped = Head + """
        77. ip, priority 50, cookie 0x700000000000001
            drop

        Final flow: unchanged
        Megaflow: recirc_id=0x2,eth,ip,in_port=1
        Datapath actions: drop
        """;

    const string Admitted = Head + """
        77. conj_id=2,ip, priority 100, cookie 0x700000200000001
            ct(commit,zone=OXM_OF_METADATA[0..15])
            drop
            goto_table:78
        78. reg7=0x2, priority 100, cookie 0x100000000000001
            output:5

        Final flow: unchanged
        Megaflow: recirc_id=0x2,eth,ip,in_port=1
        Datapath actions: ct(commit,zone=1),5
        """;

    static NbSnapshot Nb() => NbSnapshot.Of(
    [
        new LogicalSwitch { Id = "net", Name = "front", NetworkType = "geneve", SegmentationId = 400, UniqueKey = 1 },
        new LogicalSubnet { Id = "sub-net", Lswitch = "net", Cidr = "10.0.0.0/24" },
        new SecurityGroup { Id = "sg-client", Name = "client", UniqueKey = 1, Rules = [new SecurityGroupRule { Id = "client-out", Direction = "egress" }] },
        new SecurityGroup
        {
            Id = "sg-server", Name = "server", UniqueKey = 2,
            Rules = [new SecurityGroupRule { Id = "ssh-in", Direction = "ingress", Protocol = "tcp", PortRangeMin = 22, PortRangeMax = 22 }],
        },
        new LogicalPort
        {
            Id = "vm1", Lswitch = "net", Ips = [new FixedIp("sub-net", "10.0.0.1")], Macs = ["fa:16:3e:40:00:01"], SecurityGroups = ["sg-client"],
            Chassis = "chassis-1", UniqueKey = 1,
        },
        new LogicalPort
        {
            Id = "vm2", Lswitch = "net", Ips = [new FixedIp("sub-net", "10.0.0.2")], Macs = ["fa:16:3e:40:00:02"], SecurityGroups = ["sg-server"],
            Chassis = "chassis-2", UniqueKey = 2,
        },
        new Chassis { Id = "chassis-1", Ip = "172.31.255.1", TunnelTypes = ["geneve"] },
        new Chassis { Id = "chassis-2", Ip = "172.31.255.2", TunnelTypes = ["geneve"] },
    ]);

    static OpenFlowResult Explain(string trace)
    {
        var nb = Nb();
        var bridge = new BridgePorts();
        bridge.SetInterface("tap-vm2", "vm2", 5);
        bridge.SetTunnel("geneve", 1);
        var owners = FlowOwners.Recompute(nb, "chassis-2", ["geneve"], ["l2", "tunneling", "sg"], bridge);
        return OpenFlowPath.Explain(nb, "chassis-2", "br-int", "in_port=1", OfprotoTrace.Parse(trace), owners, bridge);
    }

    [Fact]
    public void A_packet_no_rule_admits_is_dropped_by_the_chassis_wide_drop_in_table_77_naming_the_port_and_its_groups()
    {
        var result = Explain(Dropped);
        Assert.False(result.Forwarded);
        // The drop and the conntrack flow are chassis-wide: the port comes from the packet's reg7.
        Assert.Equal("dropped at table 77 (INGRESS_SECURITY_GROUP) by sg: the flow of pipeline (chassis-wide) ends the pipeline without output (drop): " +
            "lport vm2 (10.0.0.2): no ingress rule of lsecgroup sg-server (server) admits the packet (the security groups' default drop)", result.Verdict);
        var conntrack = Assert.Single(result.Flows, f => f.Table == 72);
        Assert.Equal(("sg", "pipeline (chassis-wide)", true), (conntrack.App, conntrack.Owner, conntrack.OwnerExact));
    }

    [Fact]
    public void An_admitted_packet_passes_the_conjunction_of_its_group()
    {
        var result = Explain(Admitted);
        Assert.True(result.Forwarded);
        Assert.StartsWith("delivered to lport vm2 (10.0.0.2) (ofport 5) by table 78 (INGRESS_DISPATCH), l2", result.Verdict);
        var conjunction = Assert.Single(result.Flows, f => f.Table == 77);
        Assert.Equal(("sg", "lsecgroup sg-server (server)", true), (conjunction.App, conjunction.Owner, conjunction.OwnerExact));
        Assert.Equal("=> the port is in lsecgroup sg-server (server) and one of its ingress rules matched: the connection is admitted", conjunction.Notes[0]);
    }

    [Fact]
    public void A_security_group_flow_not_computed_here_is_owned_by_the_group_its_cookie_tag_names()
    {
        // A conjunction of a group no local port uses (e.g. a flow left from before a change): the cookie's tag still names it.
        var result = Explain(Admitted.Replace("conj_id=2,ip, priority 100, cookie 0x700000200000001", "conj_id=9,ip, priority 100, cookie 0x700000100000001"));
        var conjunction = Assert.Single(result.Flows, f => f.Table == 77);
        Assert.Equal(("lsecgroup sg-client (client)", false), (conjunction.Owner, conjunction.OwnerExact));
    }
}
