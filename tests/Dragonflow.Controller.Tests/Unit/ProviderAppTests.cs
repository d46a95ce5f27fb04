using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Apps.L2;
using Dragonflow.Controller.Apps.Provider;
using Dragonflow.Controller.Apps.Tunneling;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Tests.Pipeline;
using Dragonflow.Controller.Topology;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>
/// The provider app's decisions over a cloud with a VLAN network (net3, VLAN 300 on physnet1,
/// vm6 here, vm7 on another chassis): what it needs on the chassis, that the VLAN network's
/// traffic leaves through the physical bridge and never through a tunnel, and what a chassis
/// without a mapping does with a port there.
/// </summary>
public sealed class ProviderAppTests
{
    private static readonly string[] Apps = ["l2", "tunneling", "l3_proactive", "dnat", "provider"];

    [Fact]
    public void The_bridges_of_every_mapping_are_needed_and_the_external_bridge_once_when_dnat_needs_it_too()
    {
        var cloud = new RichTopology(Apps);
        var needs = cloud.Apps.SelectMany(a => a.Needs).Distinct().ToList();
        Assert.Equal([PatchedBridge.Named("br-ex"), PatchedBridge.Named("br-vlan")], needs.OfType<PatchedBridge>().OrderBy(b => b.Bridge, StringComparer.Ordinal));
    }

    [Fact]
    public void A_vlan_network_goes_out_tagged_through_its_patch_and_never_into_a_tunnel()
    {
        var cloud = new RichTopology(Apps);
        var flows = cloud.Flows.All;
        const uint patch = 10;
        var vm7 = flows.Where(f => f.App == ProviderApp.AppId && f.Owner == FlowOwner.Port("vm7")).Select(f => f.Flow).ToList();
        Assert.Equal(2, vm7.Count);
        Assert.All(vm7, f => Assert.Equal(Tables.Egress, f.Table));
        var remote = Assert.Single(vm7, f => f.Priority == ProviderFlows.Bands.ToPhysicalNetwork.Priority);
        Assert.Equal(Text([new PushVlan(), new SetField(MatchField.Exact(OxmFields.VlanVid, 0x1000 | 300)), new Output(patch)]), Text(Actions(remote)));
        // Routed to vm7 (from the router interface rif3's MAC): it leaves from this chassis' own MAC.
        var routed = Assert.Single(vm7, f => f.Priority == ProviderFlows.Bands.RoutedToPhysicalNetwork.Priority);
        Assert.Equal(MatchText(Match.Of(MatchField.Register(Registers.DestinationPort, 47), MatchField.EthSrc(MacAddress.Parse("fa:16:3e:00:03:01")))), MatchText(routed.Match));
        Assert.Equal(Text([new SetField(MatchField.EthSrc(RoutedSourceMac.Of("here"))), new PushVlan(), new SetField(MatchField.Exact(OxmFields.VlanVid, 0x1000 | 300)), new Output(patch)]),
            Text(Actions(routed)));

        // l2's flood goes once to the uplink (reg7 = 0), which provider sends out of the patch.
        var flood = Assert.Single(flows, f => f.App == L2App.AppId && f.Owner == FlowOwner.Network("net3")).Flow;
        Assert.DoesNotContain(Actions(flood), a => a is Output);
        Assert.Contains(Text([new SetField(MatchField.Register(Registers.DestinationPort, Registers.PhysicalUplink))])[0], Text(Actions(flood)));
        Assert.Contains(flows, f => f.App == ProviderApp.AppId && f.Owner == FlowOwner.Network("net3") && f.Flow.Table == Tables.Egress &&
            Actions(f.Flow).OfType<Output>().Single().Port == patch);

        // The tunnels carry nothing of net3.
        Assert.DoesNotContain(flows, f => f.App == TunnelingApp.AppId && f.Owner is { Table: not null } o &&
            (o.Id is "vm6" or "vm7" or "net3"));
        const uint tunnel = 1;
        Assert.DoesNotContain(flows.Where(f => f.Owner.Id is "vm6" or "vm7" or "net3"), f => Actions(f.Flow).OfType<Output>().Any(o => o.Port == tunnel));
    }

    [Fact]
    public void A_local_port_on_an_unmapped_physical_network_is_a_fault_with_its_reason_until_the_mapping_exists()
    {
        var cloud = new RichTopology(Apps, bridgeMappings: ["public:br-ex"]);
        Assert.Equal("physical network physnet1 has no bridge mapping on this chassis", cloud.Context.PortFaults.All["vm6"]);
        Assert.False(cloud.Context.PortFaults.Has("vm7")); // not plugged here: not this chassis' to serve
        Assert.True(cloud.Log.Contains(Microsoft.Extensions.Logging.LogLevel.Warning, "port vm6 stays DOWN"));
        Assert.DoesNotContain(cloud.Flows.All, f => f.App == ProviderApp.AppId);
    }

    [Fact]
    public void A_vm_on_the_flat_external_network_leaves_floating_ip_arp_to_dnat()
    {
        var cloud = new RichTopology(Apps);
        cloud.Nb.Put(new Dragonflow.Model.LogicalPort
        {
            Id = "extvm", Lswitch = "ext", UniqueKey = 60, Version = 1, Chassis = "here", Macs = ["fa:16:3e:aa:00:60"],
            Ips = [new Dragonflow.Model.FixedIp("extsub", "172.24.4.60")],
        });
        cloud.Bridge.SetInterface("tap60", "extvm", 8);
        cloud.Router.Deliver(Dragonflow.Controller.Routing.AppEvent.Port("extvm"));
        cloud.Router.Deliver(Dragonflow.Controller.Routing.AppEvent.Network("ext"));

        var flood = Assert.Single(cloud.Flows.All, f => f.App == ProviderApp.AppId && f.Owner == FlowOwner.Network("ext") &&
            f.Flow.Table == Tables.IngressClassification).Flow;
        var actions = Text(Actions(flood));
        Assert.Equal(Text([Resubmit.ToTable(Tables.IngressNat)])[0], actions[^1]); // after the local VM, on to dnat's ARP responder
        Assert.Contains(Text([Resubmit.ToTable(Tables.IngressConntrack)])[0], actions);
        Assert.DoesNotContain(Actions(flood), a => a is PopVlan);
    }

    private static IReadOnlyList<OfAction> Actions(DesiredFlow flow) =>
        flow.Instructions.Instructions.OfType<ApplyActions>().SelectMany(a => a.Actions).ToList();

    private static string MatchText(Match match) => string.Join(",", match.Fields.Select(f => f.ToString()).Order(StringComparer.Ordinal));

    private static List<string> Text(IEnumerable<OfAction> actions) => actions.Select(a => a.ToString()!).ToList();
}
