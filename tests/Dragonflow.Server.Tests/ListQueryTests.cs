using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

public class ListQueryTests
{
    static List<string?> Names(ApiHost.Reply reply, string collection) =>
        reply.Body![collection]!.AsArray().Select(n => (string?)n!["name"]).Order().ToList();

    [Fact]
    public async Task Filters_match_any_attribute_and_repeated_filters_are_or()
    {
        await using var api = await ApiHost.StartAsync();
        await api.CreateAsync("networks", "network", new JsonObject { ["name"] = "a", ["shared"] = true }, project: "p1", roles: "admin");
        await api.CreateAsync("networks", "network", new JsonObject { ["name"] = "b" }, project: "p1", roles: "admin");
        await api.CreateAsync("networks", "network", new JsonObject { ["name"] = "c", ["router:external"] = true }, project: "p2", roles: "admin");

        Assert.Equal(["a"], Names(await api.GetAsync("/v2.0/networks?name=a"), "networks"));
        Assert.Equal(["a", "c"], Names(await api.GetAsync("/v2.0/networks?name=a&name=c"), "networks"));
        Assert.Equal(["a"], Names(await api.GetAsync("/v2.0/networks?shared=true"), "networks"));
        Assert.Equal(["a", "b"], Names(await api.GetAsync("/v2.0/networks?project_id=p1"), "networks"));
        Assert.Equal(["b"], Names(await api.GetAsync("/v2.0/networks?shared=False&name=a&name=b"), "networks"));
        Assert.Equal(["c"], Names(await api.GetAsync("/v2.0/networks?tenant_id=p2"), "networks"));
        Assert.Equal(["c"], Names(await api.GetAsync("/v2.0/networks?router%3Aexternal=true"), "networks"));
        Assert.Empty(Names(await api.GetAsync("/v2.0/networks?name=zzz"), "networks"));
        var bad = await api.GetAsync("/v2.0/networks?colour=red");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
    }

    [Fact]
    public async Task Fields_select_attributes_in_lists_and_shows()
    {
        await using var api = await ApiHost.StartAsync();
        var id = await api.NetworkAsync("x");
        var list = await api.GetAsync("/v2.0/networks?fields=id&fields=name");
        var item = Assert.Single(list.Body!["networks"]!.AsArray())!.AsObject();
        Assert.Equal(["id", "name"], item.Select(p => p.Key).Order().ToList());
        var show = await api.GetAsync($"/v2.0/networks/{id}?fields=mtu");
        Assert.Equal(["mtu"], show.Obj("network").Select(p => p.Key).ToList());
    }

    [Fact]
    public async Task Ports_filter_by_fixed_ip_device_and_network_and_tags()
    {
        await using var api = await ApiHost.StartAsync();
        var n1 = await api.NetworkAsync("n1");
        var n2 = await api.NetworkAsync("n2");
        await api.SubnetAsync(n1, "10.0.0.0/24");
        var p1 = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = n1, ["name"] = "p1", ["device_id"] = "vm1" });
        await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = n1, ["name"] = "p2", ["device_id"] = "vm2" });
        await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = n2, ["name"] = "p3" });
        var ip = (string)p1["fixed_ips"]![0]!["ip_address"]!;

        Assert.Equal(["p1", "p2"], Names(await api.GetAsync($"/v2.0/ports?network_id={n1}"), "ports"));
        Assert.Equal(["p2"], Names(await api.GetAsync("/v2.0/ports?device_id=vm2"), "ports"));
        Assert.Equal(["p1"], Names(await api.GetAsync($"/v2.0/ports?fixed_ips=ip_address%3D{ip}"), "ports"));

        Assert.Equal(HttpStatusCode.Created, (await api.PutAsync($"/v2.0/ports/{p1["id"]}/tags/red", "")).Status);
        await api.PutAsync($"/v2.0/ports/{p1["id"]}/tags", """{"tags": ["red", "blue"]}""");
        Assert.Equal(["p1"], Names(await api.GetAsync("/v2.0/ports?tags=red,blue"), "ports"));
        Assert.Equal(["p2", "p3"], Names(await api.GetAsync("/v2.0/ports?not-tags-any=red"), "ports"));
        var shown = (await api.GetAsync($"/v2.0/ports/{p1["id"]}")).Obj("port");
        Assert.Equal(3, (long)shown["revision_number"]!);
    }

    [Fact]
    public async Task Limit_and_marker_page_through_a_list()
    {
        await using var api = await ApiHost.StartAsync();
        for (var i = 0; i < 5; i++)
            await api.NetworkAsync($"n{i}");
        var first = (await api.GetAsync("/v2.0/networks?limit=2")).Body!["networks"]!.AsArray();
        Assert.Equal(2, first.Count);
        var next = (await api.GetAsync($"/v2.0/networks?limit=10&marker={first[1]!["id"]}")).Body!["networks"]!.AsArray();
        Assert.Equal(3, next.Count);
    }
}
