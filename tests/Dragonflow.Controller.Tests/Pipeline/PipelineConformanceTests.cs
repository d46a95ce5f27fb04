using System.Net;
using Dragonflow.Controller.Apps.L3;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Routing;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Actions;

namespace Dragonflow.Controller.Tests.Pipeline;

/// <summary>
/// Every flow every app computes for a rich topology, checked against the pipeline spec on the
/// test's own terms (not through the installer's check): its table exists and the app declared
/// it, its priority is inside one of the app's bands there, every table it leads to exists and
/// is a next table of its own, and no two owners want one flow.
/// </summary>
public sealed class PipelineConformanceTests
{
    private static readonly string[] Proactive = ["l2", "tunneling", "dhcp", "l3_proactive", "dnat", "sg", "portsec", "provider", "metadata_service"];
    private static readonly string[] Reactive = ["l2", "tunneling", "dhcp", "l3_reactive", "dnat", "sg", "portsec", "provider", "metadata_service"];

    /// <summary>With snat: "here" is the router's only gateway chassis.</summary>
    private static readonly string[] ProactiveWithSnat = [.. Proactive, "snat"];

    [Fact]
    public void Every_flow_of_every_app_keeps_the_spec_and_every_table_is_used()
    {
        var cloud = new RichTopology(ProactiveWithSnat);
        // The next hop answers snat's ARP probe (to this chassis' own MAC): its SNAT flows follow.
        var snat = cloud.Apps.OfType<Apps.Snat.SnatApp>().Single();
        var reply = new Packets.Arp.ArpPacket(Packets.Arp.ArpPacket.Reply, Dragonflow.OpenFlow.Matching.MacAddress.Parse("52:54:00:12:34:56"),
            IPAddress.Parse("172.24.4.1"), Apps.Provider.RoutedSourceMac.Of("here"), IPAddress.Any);
        cloud.Router.PacketIn(new PacketInData(Tables.IngressNat, (ulong)snat.Id.Value << 56, 9, 0, 0, reply.ToFrame()));
        Assert.Contains("r1", snat.ServedRouters);
        var flows = cloud.Flows.All;

        AssertConforms(cloud, flows);
        // Not vacuous: every app wrote flows, and every table of the pipeline but the installer's canary holds some.
        Assert.All(cloud.Apps, app => Assert.Contains(flows, f => f.App == app.Id));
        var used = flows.Select(f => f.Flow.Table).ToHashSet();
        Assert.All(PipelineSpec.All.Where(t => t.Id != Tables.Canary), t => Assert.True(used.Contains(t.Id), $"no flow in table {t.Id} ({t.Name})"));
    }

    [Fact]
    public void The_reactive_router_and_its_hops_keep_the_spec_too()
    {
        var cloud = new RichTopology(Reactive);
        var reactive = cloud.Apps.OfType<L3ReactiveApp>().Single();
        // vm1 (net1, here) sends to vm3 (net2): the first packet installs the hop.
        reactive.OnPacketIn(new PacketInData(Tables.L3Lookup, 0, 5, 11, 41, Ipv4Frame("10.1.0.10", "10.2.0.10")));

        var flows = cloud.Flows.All;
        AssertConforms(cloud, flows);
        var hop = Assert.Single(flows, f => f.App == L3ReactiveApp.AppId && f.Owner == L3ReactiveApp.HopOwner("vm3", 11, IPAddress.Parse("10.2.0.10")));
        Assert.Equal(L3ReactiveApp.IdleTimeout, hop.Flow.IdleTimeout);
    }

    [Fact]
    public void Deleting_an_object_removes_exactly_the_flows_it_owned()
    {
        var cloud = new RichTopology(Proactive);
        var before = cloud.Flows.All.ToHashSet();

        // A floating IP: its NAT flows go, and the learner of the external gateway it alone used; nothing else changes.
        var fip = cloud.Nb.FloatingIps["fip1"];
        cloud.Nb.Remove(NbTables.FloatingIp.Name, "fip1");
        cloud.Router.Changed(NbTables.FloatingIp, fip, null);
        var afterFip = cloud.Flows.All.ToHashSet();
        var fipFlows = before.Where(f => f.Owner == FlowOwner.FloatingIp("fip1") || f.Owner == FlowOwner.Concern("gateways")).ToHashSet();
        Assert.NotEmpty(fipFlows);
        AssertSameFlows(before.Except(fipFlows), afterFip);

        // A port on another chassis: every app's flows of that port go, nothing else changes
        // (its chassis keeps other ports of its network, it is no next hop, and no rule names its group as remote).
        var port = cloud.Nb.Ports["vm5"];
        cloud.Nb.Remove(NbTables.Lport.Name, "vm5");
        cloud.Router.Changed(NbTables.Lport, port, null);
        var afterPort = cloud.Flows.All.ToHashSet();
        var portFlows = afterFip.Where(f => f.Owner.Table == NbTables.Lport && f.Owner.Id == "vm5").ToHashSet();
        Assert.NotEmpty(portFlows);
        AssertSameFlows(afterFip.Except(portFlows), afterPort);
    }

    [Fact]
    public void The_installer_takes_the_rich_topologys_flows_without_a_refusal_or_a_conflict()
    {
        var installer = new FlowInstaller();
        var cloud = new RichTopology(ProactiveWithSnat);
        foreach (var app in cloud.Apps) installer.Register(app.Contract);
        foreach (var (app, owner, _) in cloud.Flows.All.DistinctBy(f => (f.App, f.Owner)).ToList())
            installer.Set(app, owner, cloud.Flows.Get(app, owner));
        Assert.Equal(0, installer.Stats.FlowConflicts);
        Assert.Equal(cloud.Flows.All.Count, installer.Stats.DesiredFlows);
    }

    private static void AssertConforms(RichTopology cloud, IReadOnlyList<(AppId App, FlowOwner Owner, DesiredFlow Flow)> flows)
    {
        Assert.Equal(0, cloud.Context.RefusedFlows);
        var contracts = cloud.Apps.ToDictionary(a => a.Id, a => a.Contract);
        foreach (var (app, owner, flow) in flows)
        {
            var where = $"{app}/{owner}: table={flow.Table},priority={flow.Priority},{flow.Match} {flow.Instructions}";
            var table = PipelineSpec.Find(flow.Table);
            Assert.True(table is not null && table.Id != Tables.Canary, $"unknown table: {where}");
            Assert.True(contracts[app].Bands.Any(b => b.Table == flow.Table && flow.Priority >= b.Lowest && flow.Priority <= b.Highest),
                $"priority outside the app's bands: {where}");
            foreach (var target in Targets(flow.Instructions))
            {
                Assert.True(PipelineSpec.Find(target) is not null, $"leads to a table that does not exist: {where}");
                Assert.True(table.Next.Contains(target), $"leads to table {target}, not a next table of {table.Name}: {where}");
            }
        }
        var shared = flows.GroupBy(f => f.Flow.Key).Where(g => g.Count() > 1).ToList();
        Assert.True(shared.Count == 0, "flows with two owners: " + string.Join("; ", shared.Select(g =>
            $"table={g.Key.Table},priority={g.Key.Priority},{g.Key.Match} by {string.Join(" and ", g.Select(f => $"{f.App}/{f.Owner}"))}")));
    }

    private static void AssertSameFlows(IEnumerable<(AppId App, FlowOwner Owner, DesiredFlow Flow)> expected, IReadOnlySet<(AppId App, FlowOwner Owner, DesiredFlow Flow)> actual)
    {
        var want = expected.ToHashSet();
        static string Show(IEnumerable<(AppId App, FlowOwner Owner, DesiredFlow Flow)> flows) =>
            string.Join("; ", flows.Select(f => $"{f.App}/{f.Owner}: table={f.Flow.Table},priority={f.Flow.Priority},{f.Flow.Match} {f.Flow.Instructions}"));
        Assert.True(want.SetEquals(actual), $"missing: {Show(want.Except(actual))} | unexpected: {Show(actual.Except(want))}");
    }

    /// <summary>The tables a flow leads to, from its decoded instructions (not the installer's byte scan): goto_table, resubmit to a table, ct recirculation.</summary>
    private static IEnumerable<byte> Targets(InstructionSet instructions)
    {
        foreach (var instruction in instructions.Instructions)
        {
            if (instruction is GotoTable g) yield return g.Table;
            if (instruction is not ActionsInstruction a) continue;
            foreach (var action in a.Actions)
            {
                if (action is Resubmit { Table: not OpenFlow.Protocol.OfpTable.All } r) yield return r.Table;
                else if (action is Ct { RecircTable: not Ct.NoRecirculation } ct) yield return ct.RecircTable;
            }
        }
    }

    /// <summary>An Ethernet + IPv4 header from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    private static byte[] Ipv4Frame(string source, string destination)
    {
        var frame = new byte[34];
        frame[12] = 0x08;
        frame[14] = 0x45;
        IPAddress.Parse(source).GetAddressBytes().CopyTo(frame, 26);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(frame, 30);
        return frame;
    }
}
