using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>
/// POST of a collection, <c>{"networks": [...]}</c>: 201 with every item, or — if any item is
/// refused — the refusal of that item and nothing created (what the items before it claimed is
/// free again).
/// </summary>
public class BulkCreateTests
{
    static string Bulk(string collection, params JsonObject[] items) =>
        new JsonObject { [collection] = new JsonArray([.. items]) }.ToJsonString();

    static async Task<List<string?>> IdsAsync(ApiHost api, string collection, string key) =>
        [.. (await api.GetAsync($"/v2.0/{collection}")).Body![key]!.AsArray().Select(i => (string?)i!["id"])];

    [Fact]
    public async Task Networks_are_created_together_and_an_item_may_be_wrapped_in_its_member_key()
    {
        await using var api = await ApiHost.StartAsync();

        var reply = await api.PostAsync("/v2.0/networks", """{"networks": [{"name": "a"}, {"network": {"name": "b", "admin_state_up": false}}]}""");

        Assert.True(reply.Status == HttpStatusCode.Created, reply.Text);
        var created = reply.Body!["networks"]!.AsArray();
        Assert.Equal(["a", "b"], created.Select(n => (string?)n!["name"]));
        Assert.False((bool)created[1]!["admin_state_up"]!);
        Assert.Equal(created.Select(n => (string?)n!["id"]).Order(), (await IdsAsync(api, "networks", "networks")).Order());
    }

    [Fact]
    public async Task A_refused_network_takes_back_those_before_it_and_their_segments()
    {
        await using var api = await ApiHost.StartAsync();
        var before = await api.SnapshotAsync();

        var reply = await api.PostAsync("/v2.0/networks", Bulk("networks",
            new JsonObject { ["name"] = "first", ["provider:network_type"] = "vxlan", ["provider:segmentation_id"] = 500 },
            new JsonObject { ["name"] = "second", ["provider:network_type"] = "vxlan", ["provider:segmentation_id"] = 500 }));

        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        Assert.Equal("TunnelIdInUse", reply.ErrorType);
        Assert.Empty(await IdsAsync(api, "networks", "networks"));
        Assert.Equal(before, await api.SnapshotAsync());
        await api.NetworkAsync("again", new JsonObject { ["provider:network_type"] = "vxlan", ["provider:segmentation_id"] = 500 });
    }

    [Fact]
    public async Task A_third_item_refused_after_two_were_made_leaves_the_nb_as_it_was()
    {
        await using var api = await ApiHost.StartAsync();
        await api.GetAsync("/v2.0/security-groups"); // the project's default group exists before, so the snapshot can be compared whole
        var before = await api.SnapshotAsync();

        var networks = await api.PostAsync("/v2.0/networks", Bulk("networks",
            new JsonObject { ["name"] = "a" }, new JsonObject { ["name"] = "b" }, new JsonObject { ["name"] = "c", ["mtu"] = 70000 }));
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidInput"), (networks.Status, networks.ErrorType));
        Assert.Equal(before, await api.SnapshotAsync());

        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.0.0.0/24");
        before = await api.SnapshotAsync();
        var routers = await api.PostAsync("/v2.0/routers", Bulk("routers",
            new JsonObject { ["name"] = "r1" }, new JsonObject { ["name"] = "r2" },
            new JsonObject { ["name"] = "r3", ["external_gateway_info"] = new JsonObject { ["network_id"] = net } }));
        Assert.Equal(HttpStatusCode.BadRequest, routers.Status);
        Assert.Equal(before, await api.SnapshotAsync());
        Assert.Empty(await IdsAsync(api, "routers", "routers"));
    }

    [Fact]
    public async Task A_refused_item_attribute_refuses_the_whole_request()
    {
        await using var api = await ApiHost.StartAsync();
        var before = await api.SnapshotAsync();

        var reply = await api.PostAsync("/v2.0/networks", """{"networks": [{"name": "ok"}, {"name": "bad", "colour": "red"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Contains("colour", reply.ErrorMessage);
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Fact]
    public async Task Overlapping_subnets_in_one_request_create_neither_and_the_cidr_stays_free()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        // The network's revision moves, as the first subnet was attached and detached again.
        var before = await api.SnapshotAsync(except: "lswitch");

        var reply = await api.PostAsync("/v2.0/subnets", Bulk("subnets",
            new JsonObject { ["network_id"] = net, ["cidr"] = "10.0.0.0/24", ["ip_version"] = 4 },
            new JsonObject { ["network_id"] = net, ["cidr"] = "10.0.0.128/25", ["ip_version"] = 4 }));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("InvalidInput", reply.ErrorType);
        Assert.Contains("overlaps with another subnet", reply.ErrorMessage);
        Assert.Empty(await IdsAsync(api, "subnets", "subnets"));
        Assert.Empty((await api.GetAsync($"/v2.0/networks/{net}")).Obj("network")["subnets"]!.AsArray());
        Assert.Equal(before, await api.SnapshotAsync(except: "lswitch"));
        await api.SubnetAsync(net, "10.0.0.0/24");
    }

    [Fact]
    public async Task Subnets_of_two_networks_are_created_together()
    {
        await using var api = await ApiHost.StartAsync();
        var (a, b) = (await api.NetworkAsync("a"), await api.NetworkAsync("b"));

        var reply = await api.PostAsync("/v2.0/subnets", Bulk("subnets",
            new JsonObject { ["network_id"] = a, ["cidr"] = "10.0.0.0/24", ["ip_version"] = 4 },
            new JsonObject { ["network_id"] = b, ["cidr"] = "fd00::/64", ["ip_version"] = 6 }));

        Assert.True(reply.Status == HttpStatusCode.Created, reply.Text);
        Assert.Equal(["10.0.0.0/24", "fd00::/64"], reply.Body!["subnets"]!.AsArray().Select(s => (string?)s!["cidr"]));
        Assert.Equal(2, (await IdsAsync(api, "subnets", "subnets")).Count);
    }

    [Fact]
    public async Task A_duplicate_address_refuses_every_port_and_the_address_stays_free()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.0.0.0/24");
        await api.GetAsync("/v2.0/security-groups"); // the project's default group exists before, so the snapshot can be compared whole
        var before = await api.SnapshotAsync();
        JsonObject Port(string ip) => new() { ["network_id"] = net, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = ip }) };

        var reply = await api.PostAsync("/v2.0/ports", Bulk("ports", Port("10.0.0.7"), Port("10.0.0.8"), Port("10.0.0.7")));

        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        Assert.Equal("IpAddressAlreadyAllocated", reply.ErrorType);
        Assert.Empty(await IdsAsync(api, "ports", "ports"));
        Assert.Equal(before, await api.SnapshotAsync());
        var ok = await api.PostAsync("/v2.0/ports", Bulk("ports", Port("10.0.0.7"), Port("10.0.0.8")));
        Assert.True(ok.Status == HttpStatusCode.Created, ok.Text);
        Assert.Equal(["10.0.0.7", "10.0.0.8"], ok.Body!["ports"]!.AsArray().Select(p => (string?)p!["fixed_ips"]![0]!["ip_address"]));
    }

    [Fact]
    public async Task Security_group_rules_are_added_together_or_not_at_all()
    {
        await using var api = await ApiHost.StartAsync();
        var gid = (string)(await api.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "web" }))["id"]!;
        var other = (string)(await api.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "db" }))["id"]!;
        JsonObject Rule(int port, string? group = null, string prefix = "10.0.0.0/8") => new()
        {
            ["security_group_id"] = group ?? gid, ["direction"] = "ingress", ["protocol"] = "tcp",
            ["port_range_min"] = port, ["port_range_max"] = port, ["remote_ip_prefix"] = prefix,
        };
        var before = await api.SnapshotAsync();
        async Task Refused(HttpStatusCode status, string type, params JsonObject[] rules)
        {
            var reply = await api.PostAsync("/v2.0/security-group-rules", Bulk("security_group_rules", rules));
            Assert.True(reply.Status == status && reply.ErrorType == type, reply.Text);
            Assert.Equal(before, await api.SnapshotAsync());
        }
        await Refused(HttpStatusCode.BadRequest, "InvalidCIDR", Rule(80), Rule(443, prefix: "256"));
        await Refused(HttpStatusCode.Conflict, "DuplicateSecurityGroupRuleInPost", Rule(80), Rule(80));
        await Refused(HttpStatusCode.BadRequest, "SecurityGroupNotSingleGroupRules", Rule(80), Rule(443, other));

        var created = await api.PostAsync("/v2.0/security-group-rules", Bulk("security_group_rules", Rule(80), Rule(443)));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        Assert.Equal([80, 443], created.Body!["security_group_rules"]!.AsArray().Select(r => (int?)r!["port_range_min"]));
        var group = (await api.GetAsync($"/v2.0/security-groups/{gid}")).Obj("security_group");
        Assert.Equal(4, group["security_group_rules"]!.AsArray().Count); // two default egress rules and these two
        before = await api.SnapshotAsync();
        await Refused(HttpStatusCode.Conflict, "SecurityGroupRuleExists", Rule(8080), Rule(443));
    }

    [Theory]
    [InlineData("networks", """{"networks": []}""", "Resources required")]
    [InlineData("networks", """{"networks": null}""", "Resources required")]
    [InlineData("networks", """{"networks": {}}""", "Resources required")]
    [InlineData("networks", """{"networks": {"name": "x"}}""", "Object 'network' contains invalid data")]
    [InlineData("networks", """{"networks": "text"}""", "Object 'network' contains invalid data")]
    [InlineData("networks", """{"networks": 7}""", "Body contains invalid data")]
    [InlineData("networks", """{"networks": 1e400}""", "Body contains invalid data")]
    [InlineData("networks", """{"networks": [{"name": "ok"}, 3]}""", "Body contains invalid data")]
    [InlineData("networks", """{"networks": [{"name": "ok"}, null]}""", "Body contains invalid data")]
    [InlineData("networks", """{"networks": [{"name": "ok"}, "text"]}""", "Object 'network' contains invalid data")]
    [InlineData("networks", """{"networks": [{"name": "ok"}, []]}""", "Object 'network' contains invalid data")]
    [InlineData("networks", """{"networks": [{"network": 3}]}""", "Object 'network' contains invalid data")]
    [InlineData("networks", """{"networks": [{"network": null}]}""", "Unable to find 'network' in request body")]
    [InlineData("ports", """{"ports": []}""", "Resources required")]
    [InlineData("security-groups", """{"security_groups": [true]}""", "Body contains invalid data")]
    [InlineData("security-group-rules", """{"security_group_rules": []}""", "Resources required")]
    [InlineData("security-group-rules", """{"security_group_rules": [{"security_group_rule": "x"}]}""", "Object 'security_group_rule' contains invalid data")]
    public async Task A_malformed_bulk_body_is_neutrons_400_and_creates_nothing(string collection, string body, string message)
    {
        await using var api = await ApiHost.StartAsync();
        var before = await api.SnapshotAsync();

        var reply = await api.PostAsync($"/v2.0/{collection}", body);

        Assert.True(reply.Status == HttpStatusCode.BadRequest, reply.Text);
        Assert.Equal("HTTPBadRequest", reply.ErrorType);
        Assert.Equal(message, reply.ErrorMessage);
        Assert.Equal(before, await api.SnapshotAsync());
    }
}
