using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>Garbage at every write endpoint: never a 5xx, and a refused request changes nothing in the NB DB.</summary>
public class MalformedInputTests
{
    static readonly string[] Bodies =
    [
        "", "null", "[]", "{", "}", "\"text\"", "42", "{\"wrong\": {}}", "{\"x\": [1, 2", "\u0000", "{\"a\":\"\\ud800\"}",
    ];

    static readonly JsonNode?[] Values =
    [
        null, 5, -1, 1e300, "", "x", "not-an-ip", "10.0.0.0/33", "::::", new string('a', 5000), true, new JsonArray(),
        new JsonArray(1, "a", null), new JsonObject(), new JsonObject { ["k"] = "v" }, new JsonArray(new JsonObject()),
        new JsonArray(new JsonObject { ["start"] = 1, ["end"] = "x" }), new JsonArray(new JsonObject { ["ip_address"] = "zz", ["subnet_id"] = 3 }),
    ];

    static readonly Dictionary<string, string[]> Attributes = new()
    {
        ["network"] = ["name", "admin_state_up", "shared", "mtu", "router:external", "is_default", "provider:network_type", "provider:physical_network", "provider:segmentation_id", "port_security_enabled", "project_id"],
        ["subnet"] = ["network_id", "cidr", "ip_version", "gateway_ip", "enable_dhcp", "dns_nameservers", "host_routes", "allocation_pools", "ipv6_ra_mode", "ipv6_address_mode"],
        ["port"] = ["network_id", "mac_address", "fixed_ips", "admin_state_up", "device_owner", "device_id", "binding:host_id", "security_groups", "port_security_enabled", "allowed_address_pairs", "binding:profile"],
        ["router"] = ["name", "admin_state_up", "external_gateway_info", "routes", "distributed"],
        ["floatingip"] = ["floating_network_id", "floating_ip_address", "port_id", "fixed_ip_address", "subnet_id"],
        ["security_group"] = ["name", "stateful", "description"],
        ["security_group_rule"] = ["security_group_id", "direction", "ethertype", "protocol", "port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id"],
    };

    static readonly Dictionary<string, string> Collections = new()
    {
        ["network"] = "networks", ["subnet"] = "subnets", ["port"] = "ports", ["router"] = "routers",
        ["floatingip"] = "floatingips", ["security_group"] = "security-groups", ["security_group_rule"] = "security-group-rules",
    };

    [Fact]
    public async Task No_invalid_body_causes_a_5xx_or_a_partial_write()
    {
        await using var api = await ApiHost.StartAsync();
        var ext = await api.NetworkAsync("ext", new JsonObject { ["router:external"] = true });
        await api.SubnetAsync(ext, "172.24.4.0/24");
        var net = await api.NetworkAsync("net");
        var subnet = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        var port = (string)(await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net }))["id"]!;
        var router = (string)(await api.CreateAsync("routers", "router", new JsonObject { ["name"] = "r" }))["id"]!;
        var group = (string)(await api.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "g" }))["id"]!;
        var rule = (string)(await api.CreateAsync("security-group-rules", "security_group_rule", new JsonObject { ["security_group_id"] = group, ["direction"] = "ingress" }))["id"]!;
        var fip = (string)(await api.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext }))["id"]!;
        var ids = new Dictionary<string, string>
        {
            ["network"] = net, ["subnet"] = subnet, ["port"] = port, ["router"] = router, ["floatingip"] = fip,
            ["security_group"] = group, ["security_group_rule"] = rule,
        };

        var failures = new List<string>();
        var snapshot = await api.SnapshotAsync();
        var requests = 0;
        async Task Send(HttpMethod method, string path, string body)
        {
            requests++;
            var reply = await api.SendAsync(method, path, body);
            var status = (int)reply.Status;
            if (status >= 500 || reply.Body?["NeutronError"] is null && status >= 400)
                failures.Add($"{method} {path} {body[..Math.Min(body.Length, 120)]} -> {status} {reply.Text[..Math.Min(reply.Text.Length, 200)]}");
            if (status >= 400)
            {
                var now = await api.SnapshotAsync();
                if (now != snapshot)
                    failures.Add($"{method} {path} {body[..Math.Min(body.Length, 120)]} -> {status} but changed the NB DB");
                snapshot = now;
            }
            else
            {
                snapshot = await api.SnapshotAsync();
            }
        }

        foreach (var (member, collection) in Collections)
        {
            foreach (var body in Bodies)
            {
                await Send(HttpMethod.Post, $"/v2.0/{collection}", body);
                await Send(HttpMethod.Put, $"/v2.0/{collection}/{ids[member]}", body);
            }
            foreach (var attribute in Attributes[member])
            {
                foreach (var value in Values)
                {
                    var body = new JsonObject { [member] = new JsonObject { [attribute] = value?.DeepClone() } }.ToJsonString();
                    // Creates here lack required attributes or carry garbage; updates carry garbage.
                    await Send(HttpMethod.Post, $"/v2.0/{collection}", body);
                    await Send(HttpMethod.Put, $"/v2.0/{collection}/{ids[member]}", body);
                }
            }
        }
        foreach (var body in Bodies.Concat(["{}", "{\"subnet_id\": 5}", "{\"port_id\": \"nope\"}", $"{{\"subnet_id\": \"{subnet}\", \"port_id\": \"{port}\"}}"]))
        {
            await Send(HttpMethod.Put, $"/v2.0/routers/{router}/add_router_interface", body);
            await Send(HttpMethod.Put, $"/v2.0/routers/{router}/remove_router_interface", body);
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} requests failed:\n" + string.Join("\n", failures.Take(40)));
    }

    [Fact]
    public async Task Garbage_at_quotas_extra_routes_and_list_queries_gets_neutrons_4xx_and_writes_nothing()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync("net");
        var subnet = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        var router = (string)(await api.CreateAsync("routers", "router", new JsonObject { ["name"] = "r" }))["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsync($"/v2.0/routers/{router}/add_router_interface", $$$"""{"subnet_id": "{{{subnet}}}"}""")).Status);

        var failures = new List<string>();
        var requests = 0;
        async Task Refused(HttpMethod method, string path, string? body = null)
        {
            requests++;
            var before = await api.SnapshotAsync();
            var reply = await api.SendAsync(method, path, body);
            var status = (int)reply.Status;
            if (status is < 400 or >= 500 || reply.Body?["NeutronError"] is null)
                failures.Add($"{method} {path} {body?[..Math.Min(body.Length, 120)]} -> {status} {reply.Text[..Math.Min(reply.Text.Length, 200)]}");
            else if (await api.SnapshotAsync() != before)
                failures.Add($"{method} {path} {body?[..Math.Min(body.Length, 120)]} -> {status} but changed the NB DB");
        }

        string[] projects = ["alice", new string('p', 300)];
        foreach (var body in Bodies)
        {
            foreach (var project in projects)
                await Refused(HttpMethod.Put, $"/v2.0/quotas/{project}", body);
            await Refused(HttpMethod.Put, $"/v2.0/routers/{router}/add_extraroutes", body);
            await Refused(HttpMethod.Put, $"/v2.0/routers/{router}/remove_extraroutes", body);
        }
        JsonNode?[] badLimits = [null, 1e300, 1.5, "", "x", "1.5", -2, 2147483648L, true, new JsonArray(), new JsonObject(), new string('9', 5000)];
        foreach (var value in badLimits)
            foreach (var resource in new[] { "network", "port", "security_group_rule", "gpus" })
                await Refused(HttpMethod.Put, "/v2.0/quotas/alice", new JsonObject { ["quota"] = new JsonObject { [resource] = value?.DeepClone() } }.ToJsonString());
        JsonNode?[] badRoutes = [null, 5, "x", new JsonArray(1), new JsonArray(new JsonObject()), new JsonObject { ["k"] = "v" }];
        foreach (var value in badRoutes)
            foreach (var verb in new[] { "add_extraroutes", "remove_extraroutes" })
                await Refused(HttpMethod.Put, $"/v2.0/routers/{router}/{verb}", new JsonObject { ["router"] = new JsonObject { ["routes"] = value?.DeepClone() } }.ToJsonString());
        foreach (var value in Values)
            foreach (var verb in new[] { "add_extraroutes", "remove_extraroutes" })
                await Refused(HttpMethod.Put, $"/v2.0/routers/{router}/{verb}", new JsonObject
                {
                    ["router"] = new JsonObject { ["routes"] = new JsonArray(new JsonObject { ["destination"] = value?.DeepClone(), ["nexthop"] = "10.0.0.9" }) },
                }.ToJsonString());
        foreach (var query in new[] { "shared=maybe", "shared=", "colour=red", "limit=x", "sort_key=nope&sort_dir=asc", "marker=zz&limit=1" })
            await Refused(HttpMethod.Get, $"/v2.0/subnets?{query}");
        foreach (var query in new[] { "host=", "colour=red", "limit=-1", "sort_key=nope&sort_dir=asc", "marker=zz&limit=1" }.Skip(1))
            await Refused(HttpMethod.Get, $"/v2.0/agents?{query}");
        await Refused(HttpMethod.Get, "/v2.0/agents/zz");
        foreach (var query in new[] { "colour=red", "sort_key=network_id", "limit=x" })
            await Refused(HttpMethod.Get, $"/v2.0/network-ip-availabilities?{query}");
        await Refused(HttpMethod.Get, "/v2.0/network-ip-availabilities/zz");
        await Refused(HttpMethod.Delete, "/v2.0/quotas/nobody");
        await Refused(HttpMethod.Put, "/v2.0/networks/" + net, """{"network": {"is_default": "maybe"}}""");
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} requests failed:\n" + string.Join("\n", failures.Take(40)));
    }
}
