using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Auth;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>/v2.0/rbac-policies on networks: sharing with one project or everyone, external for one project, and taking it back.</summary>
public class RbacPolicyTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        tok-admin     ops    admin
        tok-alice     alice  member
        tok-auditor   alice  reader
        tok-bob       bob    member
        tok-carol     carol  member
        """);

    static JsonObject Policy(string network, string action, string target) => new()
    {
        ["object_type"] = "network", ["object_id"] = network, ["action"] = action, ["target_tenant"] = target,
    };

    [Fact]
    public async Task A_network_shared_with_one_project_is_seen_and_used_by_it_alone_until_the_policy_goes()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (alice, auditor, bob, carol) = (Token(api, "tok-alice"), Token(api, "tok-auditor"), Token(api, "tok-bob"), Token(api, "tok-carol"));
        var net = (string)(await alice.CreateAsync("networks", "network", new JsonObject { ["name"] = "alice-net" }))["id"]!;
        var subnet = (string)(await alice.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = net, ["cidr"] = "10.3.0.0/24", ["ip_version"] = 4 }))["id"]!;
        AssertNotFound(await bob.GetAsync($"/v2.0/networks/{net}"));

        AssertRefused(await auditor.PostAsync("rbac-policies", "rbac_policy", Policy(net, "access_as_shared", "bob")), "rule:create_rbac_policy");
        AssertRefused(await alice.PostAsync("rbac-policies", "rbac_policy", Policy(net, "access_as_shared", "*")), "(rule:create_rbac_policy and rule:create_rbac_policy:target_tenant)");
        var policy = await alice.CreateAsync("rbac-policies", "rbac_policy", Policy(net, "access_as_shared", "bob"));
        Assert.Equal(("alice", "network", "bob", "access_as_shared"), ((string?)policy["project_id"], (string?)policy["object_type"], (string?)policy["target_tenant"], (string?)policy["action"]));
        var policyId = (string)policy["id"]!;
        var duplicate = await alice.PostAsync("rbac-policies", "rbac_policy", Policy(net, "access_as_shared", "bob"));
        Assert.Equal((HttpStatusCode.Conflict, "DuplicateRbacPolicy"), (duplicate.Status, duplicate.ErrorType));

        // Bob sees it as shared (with him), its subnet, and attaches a port; alice's view says not shared; carol sees nothing.
        var bobsView = (await bob.GetAsync($"/v2.0/networks/{net}")).Obj("network");
        Assert.True((bool)bobsView["shared"]!);
        Assert.False((bool)(await alice.GetAsync($"/v2.0/networks/{net}")).Obj("network")["shared"]!);
        Assert.Contains(subnet, await bob.IdsAsync("subnets"));
        AssertNotFound(await carol.GetAsync($"/v2.0/networks/{net}"));
        AssertNotFound(await carol.PostAsync("ports", "port", new JsonObject { ["network_id"] = net }));
        var port = (string)(await bob.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net }))["id"]!;
        // The network's project sees bob's port, may delete it but not change it, nor give it a floating IP of its own.
        Assert.Contains(port, await alice.IdsAsync("ports"));
        AssertRefused(await alice.PutAsync($"/v2.0/ports/{port}", "port", new JsonObject { ["name"] = "x" }), "rule:update_port");
        var admin = Token(api, "tok-admin");
        var ext = (string)(await admin.CreateAsync("networks", "network", new JsonObject { ["router:external"] = true }))["id"]!;
        await admin.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = ext, ["cidr"] = "172.24.4.0/24", ["ip_version"] = 4 });
        var foreignFip = await alice.PostAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext, ["port_id"] = port });
        Assert.Equal(HttpStatusCode.BadRequest, foreignFip.Status);
        Assert.Equal($"Bad floatingip request: Cannot process floating IP association with Port {port}, since that port is owned by a different tenant.", foreignFip.ErrorMessage);
        // A policy naming bob lets his router take an interface on alice's subnet.
        var router = (string)(await bob.CreateAsync("routers", "router", new JsonObject { ["name"] = "bob-router" }))["id"]!;
        var iface = new JsonObject { ["subnet_id"] = subnet }.ToJsonString();
        Assert.Equal(HttpStatusCode.OK, (await bob.SendAsync(HttpMethod.Put, $"/v2.0/routers/{router}/add_router_interface", iface)).Status);
        Assert.Equal(HttpStatusCode.OK, (await bob.SendAsync(HttpMethod.Put, $"/v2.0/routers/{router}/remove_router_interface", iface)).Status);

        // The policy is alice's: her reader lists it, bob does not, nor may he take it back.
        Assert.Equal([policyId], await auditor.IdsAsync("rbac-policies"));
        Assert.Empty(await bob.IdsAsync("rbac-policies"));
        Assert.Equal("RbacPolicyNotFound", (await bob.DeleteAsync($"/v2.0/rbac-policies/{policyId}")).ErrorType);
        AssertRefused(await auditor.DeleteAsync($"/v2.0/rbac-policies/{policyId}"), "rule:delete_rbac_policy");
        // Not while bob's port depends on it.
        var inUse = await alice.DeleteAsync($"/v2.0/rbac-policies/{policyId}");
        Assert.Equal((HttpStatusCode.Conflict, "RbacPolicyInUse"), (inUse.Status, inUse.ErrorType));
        Assert.StartsWith($"RBAC policy on object {net} cannot be removed because other objects depend on it.", inUse.ErrorMessage);
        Assert.Single((await api.Nb.ListAsync<RbacPolicy>()).Items, p => p.ObjectId == net);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/v2.0/ports/{port}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/v2.0/rbac-policies/{policyId}")).Status);
        AssertNotFound(await bob.GetAsync($"/v2.0/networks/{net}"));
        AssertNotFound(await bob.GetAsync($"/v2.0/subnets/{subnet}"));
        Assert.DoesNotContain((await api.Nb.ListAsync<RbacPolicy>()).Items, p => p.ObjectId == net);
    }

    [Fact]
    public async Task Sharing_with_everyone_is_the_shared_attribute_and_only_the_network_owner_or_an_admin_grants()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, alice, bob) = (Token(api, "tok-admin"), Token(api, "tok-alice"), Token(api, "tok-bob"));
        var net = (string)(await alice.CreateAsync("networks", "network", new JsonObject { ["name"] = "alice-net" }))["id"]!;
        var everyone = await admin.CreateAsync("rbac-policies", "rbac_policy", Policy(net, "access_as_shared", "*"));
        Assert.Equal("ops", (string?)everyone["project_id"]);
        Assert.True((await api.Nb.GetAsync<LogicalSwitch>(net)).Shared);
        Assert.True((bool)(await bob.GetAsync($"/v2.0/networks/{net}")).Obj("network")["shared"]!);
        Assert.True((bool)(await alice.GetAsync($"/v2.0/networks/{net}")).Obj("network")["shared"]!);
        Assert.Contains(net, (await bob.GetAsync("/v2.0/networks?shared=true")).Body!["networks"]!.AsArray().Select(n => (string)n!["id"]!));

        // Bob sees the network but it is not his to share.
        var notOwner = await bob.PostAsync("rbac-policies", "rbac_policy", Policy(net, "access_as_shared", "carol"));
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidInput"), (notOwner.Status, notOwner.ErrorType));
        Assert.Contains("Only admins can manipulate policies on networks they do not own", notOwner.ErrorMessage);

        // Shared with everyone is not enough for another project's router interface (only a policy naming the project is).
        var subnet = (string)(await alice.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = net, ["cidr"] = "10.4.0.0/24", ["ip_version"] = 4 }))["id"]!;
        var router = (string)(await bob.CreateAsync("routers", "router", new JsonObject { ["name"] = "bob-router" }))["id"]!;
        var iface = await bob.SendAsync(HttpMethod.Put, $"/v2.0/routers/{router}/add_router_interface", new JsonObject { ["subnet_id"] = subnet }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, iface.Status);
        Assert.Contains($"Cannot add interface to router because subnet {subnet} is not owned by project making the request", iface.ErrorMessage);

        // A port of bob's keeps the network shared: neither shared=false nor deleting the policy goes through.
        var port = (string)(await bob.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net }))["id"]!;
        var unshare = await admin.PutAsync($"/v2.0/networks/{net}", "network", new JsonObject { ["shared"] = false });
        Assert.Equal((HttpStatusCode.Conflict, "InvalidSharedSetting"), (unshare.Status, unshare.ErrorType));
        Assert.Equal(HttpStatusCode.Conflict, (await admin.DeleteAsync($"/v2.0/rbac-policies/{everyone["id"]}")).Status);
        Assert.True((await api.Nb.GetAsync<LogicalSwitch>(net)).Shared);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/v2.0/ports/{port}")).Status);

        // shared=false takes the policy for everyone away, shared=true puts one back.
        Assert.False((bool)(await admin.PutAsync($"/v2.0/networks/{net}", "network", new JsonObject { ["shared"] = false })).Obj("network")["shared"]!);
        Assert.Empty((await api.Nb.ListAsync<RbacPolicy>()).Items);
        AssertNotFound(await bob.GetAsync($"/v2.0/networks/{net}"));
        Assert.True((bool)(await admin.PutAsync($"/v2.0/networks/{net}", "network", new JsonObject { ["shared"] = true })).Obj("network")["shared"]!);
        var back = Assert.Single((await api.Nb.ListAsync<RbacPolicy>()).Items);
        Assert.Equal(("alice", "*", RbacPolicy.AccessAsShared), (back.Topic, back.TargetTenant, back.Action));
        Assert.Equal([back.Id], await alice.IdsAsync("rbac-policies"));
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/v2.0/rbac-policies/{back.Id}")).Status);
        Assert.False((await api.Nb.GetAsync<LogicalSwitch>(net)).Shared);

        // A network created shared has its policy for everyone from the start, and loses it with the network.
        var created = (string)(await admin.CreateAsync("networks", "network", new JsonObject { ["shared"] = true }))["id"]!;
        Assert.Equal(created, Assert.Single((await api.Nb.ListAsync<RbacPolicy>()).Items).ObjectId);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v2.0/networks/{created}")).Status);
        Assert.Empty((await api.Nb.ListAsync<RbacPolicy>()).Items);
    }

    [Fact]
    public async Task Access_as_external_makes_a_network_external_for_its_target_and_routers_depending_on_it_keep_it()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, alice, bob) = (Token(api, "tok-admin"), Token(api, "tok-alice"), Token(api, "tok-bob"));
        var net = (string)(await admin.CreateAsync("networks", "network", new JsonObject { ["name"] = "provider" }))["id"]!;
        await admin.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = net, ["cidr"] = "172.30.0.0/24", ["ip_version"] = 4 });
        var policy = (string)(await admin.CreateAsync("rbac-policies", "rbac_policy", Policy(net, "access_as_external", "bob")))["id"]!;

        var bobsView = (await bob.GetAsync($"/v2.0/networks/{net}")).Obj("network");
        Assert.True((bool)bobsView["router:external"]!);
        Assert.False((bool)bobsView["shared"]!);
        AssertNotFound(await alice.GetAsync($"/v2.0/networks/{net}"));
        AssertNotFound(await alice.PostAsync("routers", "router", new JsonObject { ["external_gateway_info"] = new JsonObject { ["network_id"] = net } }));
        var router = (string)(await bob.CreateAsync("routers", "router", new JsonObject { ["external_gateway_info"] = new JsonObject { ["network_id"] = net } }))["id"]!;
        var fip = await bob.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = net });
        Assert.StartsWith("172.30.0.", (string)fip["floating_ip_address"]!);

        var inUse = await admin.DeleteAsync($"/v2.0/rbac-policies/{policy}");
        Assert.Equal((HttpStatusCode.Conflict, "RbacPolicyInUse"), (inUse.Status, inUse.ErrorType));
        Assert.Contains("There are routers attached to this network that depend on this policy for access.", inUse.ErrorMessage);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/v2.0/floatingips/{fip["id"]}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/v2.0/routers/{router}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v2.0/rbac-policies/{policy}")).Status);
        Assert.False((await api.Nb.GetAsync<LogicalSwitch>(net)).RouterExternal);
        AssertNotFound(await bob.GetAsync($"/v2.0/networks/{net}"));
    }

    [Fact]
    public async Task Router_external_is_the_external_policy_for_everyone_and_stays_while_gateways_use_it()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, bob) = (Token(api, "tok-admin"), Token(api, "tok-bob"));
        var net = (string)(await admin.CreateAsync("networks", "network", new JsonObject { ["name"] = "public" }))["id"]!;
        await admin.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = net, ["cidr"] = "172.31.0.0/24", ["ip_version"] = 4 });
        Assert.True((bool)(await admin.PutAsync($"/v2.0/networks/{net}", "network", new JsonObject { ["router:external"] = true })).Obj("network")["router:external"]!);
        var policy = Assert.Single((await api.Nb.ListAsync<RbacPolicy>()).Items);
        Assert.Equal((RbacPolicy.AccessAsExternal, "*", "ops"), (policy.Action, policy.TargetTenant, policy.Topic));
        var router = (string)(await bob.CreateAsync("routers", "router", new JsonObject { ["external_gateway_info"] = new JsonObject { ["network_id"] = net } }))["id"]!;

        var inUse = await admin.PutAsync($"/v2.0/networks/{net}", "network", new JsonObject { ["router:external"] = false });
        Assert.Equal((HttpStatusCode.Conflict, "ExternalNetworkInUse"), (inUse.Status, inUse.ErrorType));
        Assert.True((await api.Nb.GetAsync<LogicalSwitch>(net)).RouterExternal);
        Assert.Single((await api.Nb.ListAsync<RbacPolicy>()).Items);

        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/v2.0/routers/{router}")).Status);
        Assert.False((bool)(await admin.PutAsync($"/v2.0/networks/{net}", "network", new JsonObject { ["router:external"] = false })).Obj("network")["router:external"]!);
        Assert.Empty((await api.Nb.ListAsync<RbacPolicy>()).Items);
        AssertNotFound(await bob.GetAsync($"/v2.0/networks/{net}"));
    }

    [Fact]
    public async Task Retargeting_a_policy_moves_the_access_and_waits_for_the_old_target_to_leave()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (alice, bob, carol) = (Token(api, "tok-alice"), Token(api, "tok-bob"), Token(api, "tok-carol"));
        var net = (string)(await alice.CreateAsync("networks", "network", new JsonObject { ["name"] = "alice-net" }))["id"]!;
        var policy = (string)(await alice.CreateAsync("rbac-policies", "rbac_policy", Policy(net, "access_as_shared", "bob")))["id"]!;
        var port = (string)(await bob.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net }))["id"]!;
        var path = $"/v2.0/rbac-policies/{policy}";

        var busy = await alice.PutAsync(path, "rbac_policy", new JsonObject { ["target_tenant"] = "carol" });
        Assert.Equal((HttpStatusCode.Conflict, "RbacPolicyInUse"), (busy.Status, busy.ErrorType));
        AssertRefused(await alice.PutAsync(path, "rbac_policy", new JsonObject { ["target_tenant"] = "*" }), "(rule:update_rbac_policy and rule:update_rbac_policy:target_tenant)");
        var readOnly = await alice.PutAsync(path, "rbac_policy", new JsonObject { ["action"] = "access_as_external" });
        Assert.Equal(HttpStatusCode.BadRequest, readOnly.Status);
        Assert.Equal("bob", (await api.Nb.GetAsync<RbacPolicy>(policy)).TargetTenant);

        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/v2.0/ports/{port}")).Status);
        var moved = await alice.PutAsync(path, "rbac_policy", new JsonObject { ["target_tenant"] = "carol" });
        Assert.Equal("carol", (string?)moved.Obj("rbac_policy")["target_tenant"]);
        AssertNotFound(await bob.GetAsync($"/v2.0/networks/{net}"));
        Assert.True((bool)(await carol.GetAsync($"/v2.0/networks/{net}")).Obj("network")["shared"]!);
    }

    [Fact]
    public async Task Bad_rbac_requests_get_neutrons_400_and_change_nothing()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var alice = Token(api, "tok-alice");
        var net = (string)(await alice.CreateAsync("networks", "network", new JsonObject { ["name"] = "n" }))["id"]!;
        var before = await api.SnapshotAsync();
        (string Body, string Type, string Message)[] cases =
        [
            ("{not json", "HTTPBadRequest", "Malformed request body"),
            ("""{"rbac_policy": 5}""", "HTTPBadRequest", "Resource body required"),
            (new JsonObject { ["rbac_policy"] = Policy(net, "access_as_owner", "bob") }.ToJsonString(), "InvalidInput",
                "Invalid input for operation: Invalid action 'access_as_owner' for object type 'network'. Valid actions: ('access_as_shared', 'access_as_external')"),
            (new JsonObject { ["rbac_policy"] = Policy(net, "access_as_shared", "bob").Also(p => p["object_type"] = "qos_policy") }.ToJsonString(), "InvalidInput",
                "Invalid input for operation: 'qos_policy' is not a valid RBAC object type"),
            (new JsonObject { ["rbac_policy"] = Policy(net, "access_as_shared", "bob").Also(p => p["colour"] = "red") }.ToJsonString(), "HTTPBadRequest",
                "Unrecognized attribute(s) 'colour'"),
            (new JsonObject { ["rbac_policy"] = Policy(net, "access_as_shared", "bob").Also(p => p.Remove("target_tenant")) }.ToJsonString(), "HTTPBadRequest",
                "Failed to parse request. Required attribute 'target_tenant' not specified"),
            (new JsonObject { ["rbac_policy"] = Policy("not-a-uuid", "access_as_shared", "bob") }.ToJsonString(), "InvalidInput",
                "Invalid input for operation: 'not-a-uuid' is not a valid UUID"),
        ];
        foreach (var (body, type, message) in cases)
        {
            var reply = await alice.SendAsync(HttpMethod.Post, "/v2.0/rbac-policies", body);
            Assert.True(reply.Status == HttpStatusCode.BadRequest, $"{body}: {(int)reply.Status} {reply.Text}");
            Assert.Equal(type, reply.ErrorType);
            Assert.StartsWith(message, reply.ErrorMessage);
        }
        var unknownNetwork = await alice.PostAsync("rbac-policies", "rbac_policy", Policy(Guid.NewGuid().ToString(), "access_as_shared", "bob"));
        Assert.Equal((HttpStatusCode.NotFound, "NetworkNotFound"), (unknownNetwork.Status, unknownNetwork.ErrorType));
        Assert.Equal(before, await api.SnapshotAsync());

        // A bulk create is all or nothing: the good policy (for everyone, so it shared the network) is taken back with its effect.
        var admin = Token(api, "tok-admin");
        var bulk = await admin.SendAsync(HttpMethod.Post, "/v2.0/rbac-policies", new JsonObject
        {
            ["rbac_policies"] = new JsonArray(Policy(net, "access_as_shared", "*"), Policy(net, "access_as_nothing", "bob")),
        }.ToJsonString());
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidInput"), (bulk.Status, bulk.ErrorType));
        Assert.Empty((await api.Nb.ListAsync<RbacPolicy>()).Items);
        Assert.False((await api.Nb.GetAsync<LogicalSwitch>(net)).Shared);
        AssertNotFound(await Token(api, "tok-bob").GetAsync($"/v2.0/networks/{net}"));

        var extensions = (await alice.GetAsync("/v2.0/extensions")).Body!["extensions"]!.AsArray().Select(e => (string?)e!["alias"]);
        Assert.Contains("rbac-policies", extensions);
    }
}

static class JsonObjectTestExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o;
    }
}
