using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;

namespace Dragonflow.Server.Tests;

/// <summary>extraroute-atomic: routes added and removed against the router's current ones; routes are not accepted on create.</summary>
public class RouterExtraRoutesAtomicTests
{
    static string Routes(params (string Destination, string Nexthop)[] routes) =>
        new JsonObject { ["router"] = new JsonObject { ["routes"] = new JsonArray([.. routes.Select(r => (JsonNode)new JsonObject { ["destination"] = r.Destination, ["nexthop"] = r.Nexthop })]) } }.ToJsonString();

    [Fact]
    public async Task Routes_are_added_and_removed_by_the_ones_given_and_refused_on_create()
    {
        await using var api = await ApiHost.StartAsync();
        var before = await api.SnapshotAsync();
        var onCreate = await api.PostAsync("/v2.0/routers", """{"router": {"name": "r", "routes": []}}""");
        Assert.Equal((HttpStatusCode.BadRequest, "Attribute 'routes' not allowed in POST"), (onCreate.Status, onCreate.ErrorMessage));
        Assert.Equal(before, await api.SnapshotAsync());

        var net = await api.NetworkAsync();
        var subnet = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        var router = (string)(await api.CreateAsync("routers", "router", new JsonObject { ["name"] = "r" }))["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsync($"/v2.0/routers/{router}/add_router_interface", $$$"""{"subnet_id": "{{{subnet}}}"}""")).Status);

        var added = await api.PutAsync($"/v2.0/routers/{router}/add_extraroutes", Routes(("192.168.1.0/24", "10.0.0.10"), ("192.168.2.0/24", "10.0.0.11")));
        Assert.Equal(HttpStatusCode.OK, added.Status);
        Assert.Equal(router, (string?)added.Obj("router")["id"]);
        Assert.Equal(2, added.Obj("router")["routes"]!.AsArray().Count);
        // Adding one already there and one new keeps the first once.
        var again = (await api.PutAsync($"/v2.0/routers/{router}/add_extraroutes", Routes(("192.168.1.0/24", "10.0.0.10"), ("192.168.3.0/24", "10.0.0.12")))).Obj("router");
        Assert.Equal(["192.168.1.0/24", "192.168.2.0/24", "192.168.3.0/24"], again["routes"]!.AsArray().Select(r => (string)r!["destination"]!));

        // Removing takes only the routes given (a route not there is no error).
        var removed = (await api.PutAsync($"/v2.0/routers/{router}/remove_extraroutes", Routes(("192.168.2.0/24", "10.0.0.11"), ("172.16.0.0/12", "10.9.9.9")))).Obj("router");
        Assert.Equal(["192.168.1.0/24", "192.168.3.0/24"], removed["routes"]!.AsArray().Select(r => (string)r!["destination"]!));
        Assert.Equal(2, (await api.Nb.GetAsync<LogicalRouter>(router)).Routes.Count);

        // A nexthop the router cannot reach and a malformed body are refused and change nothing.
        before = await api.SnapshotAsync();
        var unreachable = await api.PutAsync($"/v2.0/routers/{router}/add_extraroutes", Routes(("192.168.9.0/24", "10.9.9.9")));
        Assert.Equal(HttpStatusCode.BadRequest, unreachable.Status);
        Assert.Contains("the nexthop is not connected with router", unreachable.ErrorMessage);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsync($"/v2.0/routers/{router}/add_extraroutes", """{"router": {}}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsync($"/v2.0/routers/{router}/add_extraroutes", """{"router": {"routes": [{"destination": "x"}]}}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsync($"/v2.0/routers/{router}/remove_extraroutes", """{"routes": []}""")).Status);
        Assert.Equal(before, await api.SnapshotAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await api.PutAsync("/v2.0/routers/8d5c1c1e-0000-4000-8000-000000000000/add_extraroutes", Routes())).Status);
    }
}
