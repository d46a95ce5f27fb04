using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Auth;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>
/// Neutron's default policy by role: an admin, a member and a reader of project alice, and a
/// member of project bob, on every kind of resource; each test once with auth_strategy = token
/// and once with noauth headers (X-Project-Id, X-Roles).
/// </summary>
public class PolicyRoleTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        tok-admin     ops    admin
        tok-member    alice  member  alice-user
        tok-reader    alice  reader  alice-auditor
        tok-bob       bob    member
        """);

    sealed record Callers(PolicyClient Admin, PolicyClient Member, PolicyClient Reader, PolicyClient Bob);

    static Task<ApiHost> StartAsync(string auth) => ApiHost.StartAsync(tokens: auth == "token" ? Tokens : null);

    static Callers Of(ApiHost api, string auth) => auth == "token"
        ? new(Token(api, "tok-admin"), Token(api, "tok-member"), Token(api, "tok-reader"), Token(api, "tok-bob"))
        : new(Headers(api, "ops", "admin"), Headers(api, "alice", "member"), Headers(api, "alice", "reader"), Headers(api, "bob"));

    /// <summary>show, update and delete by the reader (403), by bob (404) and the views each gets; the member then may.</summary>
    static async Task AssertReadOnlyForReaderAndHiddenFromBobAsync(Callers c, string collection, string member, string id, JsonObject change)
    {
        var path = $"/v2.0/{collection}/{id}";
        Assert.Equal(HttpStatusCode.OK, (await c.Reader.GetAsync(path)).Status);
        Assert.Contains(id, await c.Reader.IdsAsync(collection));
        AssertRefused(await c.Reader.PutAsync(path, member, change), $"rule:update_{member}");
        AssertRefused(await c.Reader.DeleteAsync(path), $"rule:delete_{member}");
        AssertRefused(await c.Reader.SendAsync(HttpMethod.Put, path + "/tags/t1"), $"rule:update_{member}");

        AssertNotFound(await c.Bob.GetAsync(path));
        Assert.DoesNotContain(id, await c.Bob.IdsAsync(collection));
        AssertNotFound(await c.Bob.PutAsync(path, member, change));
        AssertNotFound(await c.Bob.DeleteAsync(path));

        Assert.Equal(HttpStatusCode.OK, (await c.Member.PutAsync(path, member, change)).Status);
        Assert.Equal(HttpStatusCode.OK, (await c.Admin.GetAsync(path)).Status);
    }

    [Theory]
    [InlineData("token")]
    [InlineData("noauth")]
    public async Task Networks_members_write_readers_read_others_see_nothing_and_admin_only_attributes_are_refused_and_hidden(string auth)
    {
        await using var api = await StartAsync(auth);
        var c = Of(api, auth);
        var before = await api.SnapshotAsync();
        AssertRefused(await c.Reader.PostAsync("networks", "network", new JsonObject { ["name"] = "r" }), "rule:create_network");
        AssertRefused(await c.Member.PostAsync("networks", "network", new JsonObject { ["shared"] = true }), "(rule:create_network and rule:create_network:shared)");
        AssertRefused(await c.Member.PostAsync("networks", "network", new JsonObject { ["router:external"] = false }), "(rule:create_network and rule:create_network:router:external)");
        AssertRefused(await c.Member.PostAsync("networks", "network", new JsonObject { ["provider:network_type"] = "vxlan" }), "(rule:create_network and rule:create_network:provider:network_type)");
        AssertRefused(await c.Member.PostAsync("networks", "network", new JsonObject { ["provider:segmentation_id"] = 77 }), "(rule:create_network and rule:create_network:provider:segmentation_id)");
        Assert.Equal(before, await api.SnapshotAsync());

        // shared at its default is not checked; provider:* are not shown to a member.
        var net = await c.Member.CreateAsync("networks", "network", new JsonObject { ["name"] = "alice-net", ["shared"] = false });
        Assert.Equal("alice", (string?)net["project_id"]);
        Assert.False(net.ContainsKey("provider:network_type"));
        Assert.False(net.ContainsKey("provider:segmentation_id"));
        var id = (string)net["id"]!;
        var asAdmin = (await c.Admin.GetAsync($"/v2.0/networks/{id}")).Obj("network");
        Assert.Equal("vxlan", (string?)asAdmin["provider:network_type"]);
        var listed = (await c.Reader.GetAsync("/v2.0/networks")).Body!["networks"]!.AsArray().Single()!.AsObject();
        Assert.False(listed.ContainsKey("provider:segmentation_id"));

        await AssertReadOnlyForReaderAndHiddenFromBobAsync(c, "networks", "network", id, new JsonObject { ["name"] = "renamed" });
        AssertRefused(await c.Member.PutAsync($"/v2.0/networks/{id}", "network", new JsonObject { ["shared"] = false }), "(rule:update_network and rule:update_network:shared)");
        AssertRefused(await c.Member.PutAsync($"/v2.0/networks/{id}", "network", new JsonObject { ["router:external"] = true }), "(rule:update_network and rule:update_network:router:external)");
        Assert.False((await api.Nb.GetAsync<LogicalSwitch>(id)).RouterExternal);
        Assert.Equal(HttpStatusCode.OK, (await c.Member.PutAsync($"/v2.0/networks/{id}", "network", new JsonObject { ["port_security_enabled"] = false })).Status);

        // An admin sets them, and creates in another project's name; a member may not.
        var shared = await c.Admin.CreateAsync("networks", "network", new JsonObject { ["name"] = "for-alice", ["shared"] = true, ["project_id"] = "alice" });
        Assert.True((bool)shared["shared"]!);
        var spoof = await c.Member.PostAsync("networks", "network", new JsonObject { ["tenant_id"] = "bob" });
        Assert.Equal(HttpStatusCode.BadRequest, spoof.Status);

        Assert.Equal(HttpStatusCode.NoContent, (await c.Member.DeleteAsync($"/v2.0/networks/{id}")).Status);
        AssertNotFound(await c.Reader.GetAsync($"/v2.0/networks/{id}"));
    }

    [Theory]
    [InlineData("token")]
    [InlineData("noauth")]
    public async Task Subnets_and_ports_on_own_and_shared_networks_follow_the_network_owner_rules(string auth)
    {
        await using var api = await StartAsync(auth);
        var c = Of(api, auth);
        var own = (string)(await c.Member.CreateAsync("networks", "network", new JsonObject { ["name"] = "own" }))["id"]!;
        AssertRefused(await c.Reader.PostAsync("subnets", "subnet", new JsonObject { ["network_id"] = own, ["cidr"] = "10.1.0.0/24", ["ip_version"] = 4 }), "rule:create_subnet");
        AssertNotFound(await c.Bob.PostAsync("subnets", "subnet", new JsonObject { ["network_id"] = own, ["cidr"] = "10.1.0.0/24", ["ip_version"] = 4 }));
        var subnet = (string)(await c.Member.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = own, ["cidr"] = "10.1.0.0/24", ["ip_version"] = 4 }))["id"]!;
        await AssertReadOnlyForReaderAndHiddenFromBobAsync(c, "subnets", "subnet", subnet, new JsonObject { ["name"] = "s" });

        AssertRefused(await c.Reader.PostAsync("ports", "port", new JsonObject { ["network_id"] = own }), "rule:create_port");
        // On its own network the member may pick addresses, a MAC, port security and address pairs.
        var port = await c.Member.CreateAsync("ports", "port", new JsonObject
        {
            ["network_id"] = own, ["mac_address"] = "fa:16:3e:00:00:11", ["port_security_enabled"] = true,
            ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.1.0.20" }),
            ["allowed_address_pairs"] = new JsonArray(new JsonObject { ["ip_address"] = "10.1.0.99" }),
        });
        Assert.False(port.ContainsKey("binding:host_id"));
        Assert.False(port.ContainsKey("binding:vif_type"));
        var portId = (string)port["id"]!;
        await AssertReadOnlyForReaderAndHiddenFromBobAsync(c, "ports", "port", portId, new JsonObject { ["name"] = "p" });
        AssertRefused(await c.Member.PutAsync($"/v2.0/ports/{portId}", "port", new JsonObject { ["binding:host_id"] = "compute-1" }), "(rule:update_port and rule:update_port:binding:host_id)");
        AssertRefused(await c.Member.PutAsync($"/v2.0/ports/{portId}", "port", new JsonObject { ["mac_address"] = "fa:16:3e:00:00:12" }), "(rule:update_port and rule:update_port:mac_address)");
        Assert.Equal(HttpStatusCode.OK, (await c.Admin.PutAsync($"/v2.0/ports/{portId}", "port", new JsonObject { ["binding:host_id"] = "compute-1" })).Status);
        Assert.Equal("compute-1", (string?)(await c.Admin.GetAsync($"/v2.0/ports/{portId}")).Obj("port")["binding:host_id"]);
        // Lists too: the admin's shows the binding, the member's and the reader's leave it out but follow other changes.
        Assert.Equal(HttpStatusCode.OK, (await c.Member.PutAsync($"/v2.0/ports/{portId}", "port", new JsonObject { ["name"] = "bound" })).Status);
        Assert.Equal("compute-1", (string?)(await c.Admin.GetAsync("/v2.0/ports")).Body!["ports"]![0]!["binding:host_id"]);
        foreach (var nonAdmin in new[] { c.Member, c.Reader })
        {
            var listedPort = (await nonAdmin.GetAsync("/v2.0/ports")).Body!["ports"]!.AsArray().Single()!.AsObject();
            Assert.Equal("bound", (string?)listedPort["name"]);
            Assert.False(listedPort.ContainsKey("binding:host_id"));
            Assert.False(listedPort.ContainsKey("binding:vif_type"));
        }

        // On the admin's shared network bob may attach a port, but not choose what only the network's project chooses.
        var sharedNet = (string)(await c.Admin.CreateAsync("networks", "network", new JsonObject { ["name"] = "shared", ["shared"] = true }))["id"]!;
        var sharedSubnet = (string)(await c.Admin.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = sharedNet, ["cidr"] = "10.9.0.0/24", ["ip_version"] = 4 }))["id"]!;
        var before = await api.SnapshotAsync();
        AssertRefused(await c.Bob.PostAsync("subnets", "subnet", new JsonObject { ["network_id"] = sharedNet, ["cidr"] = "10.8.0.0/24", ["ip_version"] = 4 }), "rule:create_subnet");
        AssertRefused(await c.Bob.PostAsync("ports", "port", new JsonObject { ["network_id"] = sharedNet, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.9.0.50" }) }), "(rule:create_port and (rule:create_port:fixed_ips and rule:create_port:fixed_ips:ip_address))");
        AssertRefused(await c.Bob.PostAsync("ports", "port", new JsonObject { ["network_id"] = sharedNet, ["mac_address"] = "fa:16:3e:00:00:21" }), "(rule:create_port and rule:create_port:mac_address)");
        AssertRefused(await c.Bob.PostAsync("ports", "port", new JsonObject { ["network_id"] = sharedNet, ["port_security_enabled"] = false }), "(rule:create_port and rule:create_port:port_security_enabled)");
        AssertRefused(await c.Bob.PostAsync("ports", "port", new JsonObject { ["network_id"] = sharedNet, ["allowed_address_pairs"] = new JsonArray() }), "(rule:create_port and rule:create_port:allowed_address_pairs)");
        AssertRefused(await c.Bob.PostAsync("ports", "port", new JsonObject { ["network_id"] = sharedNet, ["device_owner"] = "network:dhcp" }), "(rule:create_port and rule:create_port:device_owner)");
        AssertRefused(await c.Bob.PostAsync("ports", "port", new JsonObject { ["network_id"] = sharedNet, ["binding:host_id"] = "compute-1" }), "(rule:create_port and rule:create_port:binding:host_id)");
        AssertRefused(await c.Bob.PostAsync("ports", "port", new JsonObject { ["network_id"] = sharedNet, ["binding:profile"] = new JsonObject() }), "(rule:create_port and rule:create_port:binding:profile)");
        Assert.Equal(before, await api.SnapshotAsync());
        var bobPort = await c.Bob.CreateAsync("ports", "port", new JsonObject
        {
            ["network_id"] = sharedNet, ["device_owner"] = "compute:nova", ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = sharedSubnet }),
        });
        Assert.Equal("bob", (string?)bobPort["project_id"]);
        Assert.StartsWith("10.9.0.", (string)bobPort["fixed_ips"]![0]!["ip_address"]!);
        Assert.Contains(sharedSubnet, await c.Bob.IdsAsync("subnets"));
        AssertRefused(await c.Bob.PutAsync($"/v2.0/subnets/{sharedSubnet}", "subnet", new JsonObject { ["name"] = "mine" }), "rule:update_subnet");
        AssertRefused(await c.Bob.PutAsync($"/v2.0/networks/{sharedNet}", "network", new JsonObject { ["name"] = "mine" }), "rule:update_network");
        // Alice's reader sees neither bob's port nor the admin's port on the shared network.
        Assert.DoesNotContain((string)bobPort["id"]!, await c.Reader.IdsAsync("ports"));
    }

    [Theory]
    [InlineData("token")]
    [InlineData("noauth")]
    public async Task Routers_floating_ips_and_security_groups_members_write_readers_read_others_see_nothing(string auth)
    {
        await using var api = await StartAsync(auth);
        var c = Of(api, auth);
        var ext = (string)(await c.Admin.CreateAsync("networks", "network", new JsonObject { ["name"] = "ext", ["router:external"] = true }))["id"]!;
        var extSubnet = (string)(await c.Admin.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = ext, ["cidr"] = "172.24.4.0/24", ["ip_version"] = 4 }))["id"]!;
        var net = (string)(await c.Member.CreateAsync("networks", "network", new JsonObject { ["name"] = "n" }))["id"]!;
        var subnet = (string)(await c.Member.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = net, ["cidr"] = "10.2.0.0/24", ["ip_version"] = 4 }))["id"]!;
        // Everyone sees the external network; only the admin's project its subnet; only admins add subnets to it.
        Assert.Contains(ext, await c.Reader.IdsAsync("networks"));
        AssertNotFound(await c.Member.GetAsync($"/v2.0/subnets/{extSubnet}"));
        AssertRefused(await c.Member.PostAsync("subnets", "subnet", new JsonObject { ["network_id"] = ext, ["cidr"] = "172.25.0.0/24", ["ip_version"] = 4 }), "rule:create_subnet");

        AssertRefused(await c.Reader.PostAsync("routers", "router", new JsonObject { ["name"] = "r" }), "rule:create_router");
        AssertRefused(await c.Member.PostAsync("routers", "router", new JsonObject { ["distributed"] = true }), "(rule:create_router and rule:create_router:distributed)");
        AssertRefused(await c.Member.PostAsync("routers", "router", new JsonObject
        {
            ["external_gateway_info"] = new JsonObject { ["network_id"] = ext, ["enable_snat"] = false },
        }), "(rule:create_router and (rule:create_router:external_gateway_info and rule:create_router:external_gateway_info:enable_snat))");
        var router = await c.Member.CreateAsync("routers", "router", new JsonObject
        {
            ["name"] = "r", ["external_gateway_info"] = new JsonObject { ["network_id"] = ext },
        });
        Assert.False(router.ContainsKey("distributed"));
        var routerId = (string)router["id"]!;
        var iface = new JsonObject { ["subnet_id"] = subnet }.ToJsonString();
        AssertRefused(await c.Reader.SendAsync(HttpMethod.Put, $"/v2.0/routers/{routerId}/add_router_interface", iface), "rule:add_router_interface");
        AssertNotFound(await c.Bob.SendAsync(HttpMethod.Put, $"/v2.0/routers/{routerId}/add_router_interface", iface));
        Assert.Equal(HttpStatusCode.OK, (await c.Member.SendAsync(HttpMethod.Put, $"/v2.0/routers/{routerId}/add_router_interface", iface)).Status);
        await AssertReadOnlyForReaderAndHiddenFromBobAsync(c, "routers", "router", routerId, new JsonObject { ["routes"] = new JsonArray(new JsonObject { ["destination"] = "10.50.0.0/16", ["nexthop"] = "10.2.0.9" }) });
        AssertRefused(await c.Reader.SendAsync(HttpMethod.Put, $"/v2.0/routers/{routerId}/remove_router_interface", iface), "rule:remove_router_interface");

        // Floating IPs from the admin's external network, for members; a chosen address only for admins.
        AssertRefused(await c.Reader.PostAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext }), "rule:create_floatingip");
        AssertRefused(await c.Member.PostAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext, ["floating_ip_address"] = "172.24.4.77" }), "(rule:create_floatingip and rule:create_floatingip:floating_ip_address)");
        var fip = (string)(await c.Member.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext }))["id"]!;
        await AssertReadOnlyForReaderAndHiddenFromBobAsync(c, "floatingips", "floatingip", fip, new JsonObject { ["description"] = "d" });

        AssertRefused(await c.Reader.PostAsync("security-groups", "security_group", new JsonObject { ["name"] = "web" }), "rule:create_security_group");
        var group = (string)(await c.Member.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "web" }))["id"]!;
        await AssertReadOnlyForReaderAndHiddenFromBobAsync(c, "security-groups", "security_group", group, new JsonObject { ["description"] = "d" });
        var ruleBody = new JsonObject { ["security_group_id"] = group, ["direction"] = "ingress", ["protocol"] = "tcp", ["port_range_min"] = 22, ["port_range_max"] = 22 };
        AssertRefused(await c.Reader.PostAsync("security-group-rules", "security_group_rule", ruleBody), "rule:create_security_group_rule");
        AssertNotFound(await c.Bob.PostAsync("security-group-rules", "security_group_rule", (JsonObject)ruleBody.DeepClone()));
        var rule = (string)(await c.Member.CreateAsync("security-group-rules", "security_group_rule", (JsonObject)ruleBody.DeepClone()))["id"]!;
        Assert.Contains(rule, await c.Reader.IdsAsync("security-group-rules"));
        Assert.DoesNotContain(rule, await c.Bob.IdsAsync("security-group-rules"));
        AssertNotFound(await c.Bob.GetAsync($"/v2.0/security-group-rules/{rule}"));
        AssertNotFound(await c.Bob.DeleteAsync($"/v2.0/security-group-rules/{rule}"));
        AssertRefused(await c.Reader.DeleteAsync($"/v2.0/security-group-rules/{rule}"), "rule:delete_security_group_rule");
        Assert.Equal(HttpStatusCode.NoContent, (await c.Member.DeleteAsync($"/v2.0/security-group-rules/{rule}")).Status);

        // The reader wrote nothing along the way: every change above is the member's.
        Assert.Equal(["alice"], (await api.Nb.ListAsync<LogicalRouter>()).Items.Select(r => r.Topic));
        Assert.Equal(HttpStatusCode.NoContent, (await c.Member.DeleteAsync($"/v2.0/floatingips/{fip}")).Status);
    }
}
