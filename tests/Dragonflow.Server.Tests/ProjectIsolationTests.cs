using System.Net;
using System.Text.Json.Nodes;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>Two projects on one noauth server, told apart by X-Project-Id alone: neither sees nor changes the other's resources.</summary>
public class ProjectIsolationTests
{
    [Fact]
    public async Task Project_b_neither_sees_nor_changes_anything_of_project_a()
    {
        await using var api = await ApiHost.StartAsync();
        var admin = Headers(api, project: null);
        var a = Headers(api, "project-a");
        var b = Headers(api, "project-b");
        var ext = (string)(await admin.CreateAsync("networks", "network", new JsonObject { ["name"] = "ext", ["router:external"] = true }))["id"]!;
        await admin.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = ext, ["cidr"] = "172.24.4.0/24", ["ip_version"] = 4 });

        var net = (string)(await a.CreateAsync("networks", "network", new JsonObject { ["name"] = "a-net" }))["id"]!;
        var subnet = (string)(await a.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = net, ["cidr"] = "10.0.0.0/24", ["ip_version"] = 4 }))["id"]!;
        var port = await a.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        var defaultGroup = (string)port["security_groups"]![0]!;
        var router = (string)(await a.CreateAsync("routers", "router", new JsonObject { ["name"] = "a-router", ["external_gateway_info"] = new JsonObject { ["network_id"] = ext } }))["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await a.SendAsync(HttpMethod.Put, $"/v2.0/routers/{router}/add_router_interface", new JsonObject { ["subnet_id"] = subnet }.ToJsonString())).Status);
        var fip = (string)(await a.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext, ["port_id"] = port["id"]!.DeepClone() }))["id"]!;
        var group = (string)(await a.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "a-web" }))["id"]!;
        var rule = (string)(await a.CreateAsync("security-group-rules", "security_group_rule", new JsonObject { ["security_group_id"] = group, ["direction"] = "ingress" }))["id"]!;

        (string Collection, string Member, string Id)[] owned =
        [
            ("networks", "network", net), ("subnets", "subnet", subnet), ("ports", "port", (string)port["id"]!), ("routers", "router", router),
            ("floatingips", "floatingip", fip), ("security-groups", "security_group", group), ("security-groups", "security_group", defaultGroup),
            ("security-group-rules", "security_group_rule", rule),
        ];
        var before = await api.SnapshotAsync("lsecgroup", "unique_key");
        foreach (var (collection, member, id) in owned)
        {
            Assert.Contains(id, await a.IdsAsync(collection));
            Assert.DoesNotContain(id, await b.IdsAsync(collection));
            var path = $"/v2.0/{collection}/{id}";
            AssertNotFound(await b.GetAsync(path));
            AssertNotFound(await b.PutAsync(path, member, new JsonObject { ["description"] = "b was here" }));
            AssertNotFound(await b.DeleteAsync(path));
            Assert.Equal(HttpStatusCode.OK, (await a.GetAsync(path)).Status);
        }
        // B's own default group is all it lists; A's resources cannot be referenced by B either.
        var bGroups = (await b.GetAsync("/v2.0/security-groups")).Body!["security_groups"]!.AsArray();
        Assert.Equal(["project-b"], bGroups.Select(g => (string?)g!["project_id"]));
        AssertNotFound(await b.PostAsync("ports", "port", new JsonObject { ["network_id"] = net }));
        AssertNotFound(await b.SendAsync(HttpMethod.Put, $"/v2.0/routers/{router}/add_router_interface", new JsonObject { ["subnet_id"] = subnet }.ToJsonString()));
        Assert.Equal(before, await api.SnapshotAsync("lsecgroup", "unique_key"));
        Assert.Equal("", (string?)(await a.GetAsync($"/v2.0/networks/{net}")).Obj("network")["description"]);
    }
}
