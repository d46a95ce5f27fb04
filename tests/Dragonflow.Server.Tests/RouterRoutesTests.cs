using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>Extra routes on update: a list replaces them, an empty list or null clears them (Neutron's convert_none_to_empty_list).</summary>
public class RouterRoutesTests
{
    const string OneRoute = """{"router": {"routes": [{"destination": "192.168.0.0/24", "nexthop": "10.0.0.10"}]}}""";

    static async Task<string> RouterWithRouteAsync(ApiHost api)
    {
        var net = await api.NetworkAsync();
        var subnet = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        var rid = (string)(await api.CreateAsync("routers", "router", new JsonObject { ["name"] = "r" }))["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsync($"/v2.0/routers/{rid}/add_router_interface", $$"""{"subnet_id": "{{subnet}}"}""")).Status);
        var set = await api.PutAsync($"/v2.0/routers/{rid}", OneRoute);
        Assert.True(set.Status == HttpStatusCode.OK, set.Text);
        Assert.Single(set.Obj("router")["routes"]!.AsArray());
        return rid;
    }

    [Theory]
    [InlineData("""{"router": {"routes": []}}""")]
    [InlineData("""{"router": {"routes": null}}""")]
    public async Task An_empty_or_null_route_list_clears_the_routes(string body)
    {
        await using var api = await ApiHost.StartAsync();
        var rid = await RouterWithRouteAsync(api);

        var cleared = await api.PutAsync($"/v2.0/routers/{rid}", body);

        Assert.True(cleared.Status == HttpStatusCode.OK, cleared.Text);
        Assert.Empty(cleared.Obj("router")["routes"]!.AsArray());
        Assert.Empty((await api.GetAsync($"/v2.0/routers/{rid}")).Obj("router")["routes"]!.AsArray());
        Assert.Empty((await api.GetAsync($"/v2.0/routers?id={rid}")).Body!["routers"]![0]!["routes"]!.AsArray());
        Assert.Empty((await api.Nb.GetAsync<Dragonflow.Model.LogicalRouter>(rid)).Routes);
    }

    [Fact]
    public async Task An_update_without_routes_keeps_them()
    {
        await using var api = await ApiHost.StartAsync();
        var rid = await RouterWithRouteAsync(api);

        var renamed = await api.PutAsync($"/v2.0/routers/{rid}", """{"router": {"name": "renamed"}}""");

        Assert.Single(renamed.Obj("router")["routes"]!.AsArray());
    }
}
