using Dragonflow.Controller.Apps.Snat;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Tests.Pipeline;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Actions;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>snat on the rich topology: where a router's outbound traffic goes as the gateway chassis come and go.</summary>
public sealed class SnatAppTests
{
    private static readonly string[] Apps = ["l2", "tunneling", "l3_proactive", "dnat", "snat"];

    private static void Replace(RichTopology cloud, Chassis after)
    {
        var before = cloud.Nb.Chassis[after.Id];
        after.Version = before.Version + 1;
        cloud.Nb.Put(after);
        cloud.Router.Changed(NbTables.Chassis, before, after);
    }

    private static IReadOnlyCollection<DesiredFlow> RouterFlows(RichTopology cloud) => cloud.Flows.Get(SnatApp.AppId, FlowOwner.Router("r1"));

    [Fact]
    public void Elsewhere_the_router_goes_to_the_gateways_bfd_tunnel_and_without_a_gateway_it_gets_nothing_and_a_warning()
    {
        var cloud = new RichTopology(Apps);
        // "here" stops being a gateway; "there" becomes the only one, reached through its BFD tunnel (ofport 7).
        cloud.Bridge.SetGatewayTunnel("df-bfd-c0000202", "192.0.2.2", 7);
        Replace(cloud, new Chassis { Id = "there", Ip = "192.0.2.2", TunnelTypes = ["geneve"], EnableChassisAsGateway = true, ExternalPhysicalNetworks = ["public"] });
        Replace(cloud, new Chassis { Id = "here", Ip = "192.0.2.1", TunnelTypes = ["geneve"] });

        var toGateway = RouterFlows(cloud).Where(f => f.Table == Tables.L3Lookup).ToList();
        Assert.Equal(3, toGateway.Count); // one per router interface
        Assert.All(toGateway, f => Assert.Contains("bundle(eth_src,0,active_backup,ofport,members:7)", f.Instructions.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(RouterFlows(cloud), f => f.Table is Tables.Snat or Tables.UnSnat);
        Assert.Empty(cloud.Apps.OfType<SnatApp>().Single().ServedRouters);

        // No gateway chassis at all: no flow for the router (its traffic is dropped), one warning, no refusal.
        Replace(cloud, new Chassis { Id = "there", Ip = "192.0.2.2", TunnelTypes = ["geneve"] });
        Assert.Empty(RouterFlows(cloud));
        Assert.Single(cloud.Log.Entries, e => e.Message.Contains("no gateway chassis", StringComparison.Ordinal));
        Assert.Equal(0, cloud.Context.RefusedFlows);
    }
}
