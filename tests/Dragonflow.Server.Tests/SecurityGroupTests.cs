using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

public class SecurityGroupTests
{
    [Fact]
    public async Task Each_project_gets_a_default_group_with_neutrons_rules()
    {
        await using var api = await ApiHost.StartAsync();
        var reply = await api.SendAsync(HttpMethod.Get, "/v2.0/security-groups?name=default", project: "p7");
        Assert.True(reply.Status == HttpStatusCode.OK, reply.Text);
        var group = Assert.Single(reply.Body!["security_groups"]!.AsArray(), g => (string?)g!["project_id"] == "p7")!;
        var rules = group["security_group_rules"]!.AsArray();
        Assert.Equal(4, rules.Count);
        Assert.Equal(2, rules.Count(r => (string?)r!["direction"] == "egress" && r["remote_group_id"] is null));
        Assert.Equal(2, rules.Count(r => (string?)r!["direction"] == "ingress" && (string?)r["remote_group_id"] == (string?)group["id"]));
        // Asking again does not make a second one.
        reply = await api.SendAsync(HttpMethod.Get, "/v2.0/security-groups?name=default&project_id=p7", project: "p7");
        Assert.Single(reply.Body!["security_groups"]!.AsArray());
    }

    [Fact]
    public async Task Rules_are_created_validated_and_deleted()
    {
        await using var api = await ApiHost.StartAsync();
        var group = await api.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "web" });
        var gid = (string)group["id"]!;
        Assert.Equal(2, group["security_group_rules"]!.AsArray().Count);
        var rule = await api.CreateAsync("security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = gid, ["direction"] = "ingress", ["protocol"] = "tcp", ["port_range_min"] = 80, ["port_range_max"] = 80,
            ["remote_ip_prefix"] = "0.0.0.0/0",
        });
        Assert.Equal("tcp", (string?)rule["protocol"]);
        var dup = await api.PostAsync("/v2.0/security-group-rules", new JsonObject { ["security_group_rule"] = new JsonObject
        {
            ["security_group_id"] = gid, ["direction"] = "ingress", ["protocol"] = "tcp", ["port_range_min"] = 80, ["port_range_max"] = 80,
            ["remote_ip_prefix"] = "0.0.0.0/0",
        } }.ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, dup.Status);
        Assert.Equal("SecurityGroupRuleExists", dup.ErrorType);
        foreach (var bad in new[]
        {
            """{"direction": "sideways"}""",
            """{"direction": "ingress", "protocol": "tcp", "port_range_min": 90, "port_range_max": 80}""",
            """{"direction": "ingress", "protocol": "teleport"}""",
            """{"direction": "ingress", "ethertype": "IPv6", "remote_ip_prefix": "10.0.0.0/8"}""",
            """{"direction": "ingress", "port_range_min": 22}""",
        })
        {
            var body = JsonNode.Parse(bad)!.AsObject();
            body["security_group_id"] = gid;
            var reply = await api.PostAsync("/v2.0/security-group-rules", new JsonObject { ["security_group_rule"] = body }.ToJsonString());
            Assert.True(reply.Status == HttpStatusCode.BadRequest, $"{bad}: {(int)reply.Status} {reply.Text}");
        }
        var shown = await api.GetAsync($"/v2.0/security-group-rules/{rule["id"]}");
        Assert.Equal(gid, (string?)shown.Obj("security_group_rule")["security_group_id"]);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/security-group-rules/{rule["id"]}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/v2.0/security-group-rules/{rule["id"]}")).Status);

        var net = await api.NetworkAsync();
        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["security_groups"] = new JsonArray(gid) });
        Assert.Equal(HttpStatusCode.Conflict, (await api.DeleteAsync($"/v2.0/security-groups/{gid}")).Status);
        await api.DeleteAsync($"/v2.0/ports/{port["id"]}");
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/security-groups/{gid}")).Status);
    }
}

public class DefaultGroupOnRefusedPortTests
{
    [Fact]
    public async Task A_refused_port_does_not_create_the_default_group()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.0.0.0/24");
        await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.0.0.9" }) }, project: "p1", roles: "admin");
        var before = await api.SnapshotAsync();
        var refused = await api.PostAsync("/v2.0/ports",
            new JsonObject { ["port"] = new JsonObject { ["network_id"] = net, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.0.0.9" }) } }.ToJsonString(), project: "fresh", roles: "admin");
        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Equal(before, await api.SnapshotAsync());
        var ok = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net }, project: "fresh", roles: "admin");
        var group = await api.Nb.GetAsync<Dragonflow.Model.SecurityGroup>((string)ok["security_groups"]![0]!);
        Assert.Equal(("default", "fresh"), (group.Name, group.Topic));
    }
}
