using Dragonflow.Model;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>The gateway chassis of each router: a pure function of NB, spread over the gateways, following the gateways that come and go.</summary>
public sealed class GatewayScheduleTests
{
    private static readonly LogicalSwitch Flat = new() { Id = "ext", PhysicalNetwork = "public" };

    private static Chassis Gateway(string id, params string[] physnets) =>
        new() { Id = id, Ip = "192.0.2.1", EnableChassisAsGateway = true, ExternalPhysicalNetworks = [.. physnets] };

    private static LogicalRouter Router(string id, bool snat = true) =>
        new() { Id = id, ExternalGatewayInfo = new ExternalGatewayInfo { NetworkId = "ext", EnableSnat = snat } };

    [Fact]
    public void Every_gateway_is_in_each_list_once_and_the_first_choice_is_spread_across_routers()
    {
        Chassis[] chassis = [Gateway("gw-a", "public"), Gateway("gw-b", "public"), Gateway("gw-c", "public"), new Chassis { Id = "compute", Ip = "192.0.2.9" }];
        var firsts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 60; i++)
        {
            var list = GatewaySchedule.For(Router("router-" + i), Flat, chassis);
            Assert.Equal(["gw-a", "gw-b", "gw-c"], list.Order(StringComparer.Ordinal));
            // The same answer whatever order the rows come in: every controller computes it alike.
            Assert.Equal(list, GatewaySchedule.For(Router("router-" + i), Flat, chassis.Reverse()));
            firsts[list[0]] = firsts.GetValueOrDefault(list[0]) + 1;
        }
        Assert.Equal(3, firsts.Count);
        Assert.All(firsts.Values, n => Assert.InRange(n, 10, 40));
    }

    [Fact]
    public void Only_gateways_reaching_the_external_networks_physical_network_qualify_and_none_gives_an_empty_list()
    {
        Chassis[] chassis = [Gateway("gw-a", "public"), Gateway("gw-b", "other"), new Chassis { Id = "compute" }];
        Assert.Equal(["gw-a"], GatewaySchedule.For(Router("r"), Flat, chassis));
        Assert.Empty(GatewaySchedule.For(Router("r"), Flat, [Gateway("gw-b", "other"), new Chassis { Id = "compute" }]));
        // A router without SNAT still needs one (its traffic leaves untranslated through it); one without a gateway does not.
        Assert.Equal(["gw-a"], GatewaySchedule.For(Router("r", snat: false), Flat, chassis));
        Assert.Empty(GatewaySchedule.For(new LogicalRouter { Id = "r" }, Flat, chassis));
    }

    [Fact]
    public void A_gateway_that_leaves_moves_only_the_routers_it_held_first_and_the_others_keep_their_order()
    {
        Chassis[] all = [Gateway("gw-a", "public"), Gateway("gw-b", "public"), Gateway("gw-c", "public")];
        Chassis[] withoutB = [all[0], all[2]];
        var moved = 0;
        for (var i = 0; i < 60; i++)
        {
            var before = GatewaySchedule.For(Router("router-" + i), Flat, all);
            var after = GatewaySchedule.For(Router("router-" + i), Flat, withoutB);
            Assert.Equal(before.Where(c => c != "gw-b"), after);
            if (before[0] != after[0]) moved++;
            Assert.True(before[0] == after[0] || before[0] == "gw-b");
        }
        Assert.InRange(moved, 10, 40);
    }
}
