using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Server.Auth;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>Answers the OpenStack API suites check: each as Neutron gives it.</summary>
public class NeutronAnswerTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        tok-admin     ops    admin
        tok-alice     alice  member
        """);

    [Fact]
    public async Task Another_projects_id_in_a_create_body_is_a_bad_request_for_a_non_admin()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var alice = Token(api, "tok-alice");
        var net = (string)(await alice.CreateAsync("networks", "network", new JsonObject()))["id"]!;
        var before = await api.SnapshotAsync();
        var reply = await alice.PostAsync("ports", "port", new JsonObject { ["network_id"] = net, ["project_id"] = "8e2f66a5c5a44f5f9d1c2f5a6b7c8d9e" });
        Assert.Equal((HttpStatusCode.BadRequest, "HTTPBadRequest"), (reply.Status, reply.ErrorType));
        Assert.Equal("Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges", reply.ErrorMessage);
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Fact]
    public async Task A_shared_address_scope_stays_shared_and_only_an_admin_names_shared()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, alice) = (Token(api, "tok-admin"), Token(api, "tok-alice"));
        var own = (string)(await alice.CreateAsync("address-scopes", "address_scope", new JsonObject { ["name"] = "s", ["ip_version"] = 4 }))["id"]!;
        AssertRefused(await alice.PutAsync($"/v2.0/address-scopes/{own}", "address_scope", new JsonObject { ["shared"] = false }),
            "(rule:update_address_scope and rule:update_address_scope:shared)");
        var shared = (string)(await admin.CreateAsync("address-scopes", "address_scope", new JsonObject { ["name"] = "s", ["ip_version"] = 4, ["shared"] = true }))["id"]!;
        var before = await api.SnapshotAsync();
        var unshare = await admin.PutAsync($"/v2.0/address-scopes/{shared}", "address_scope", new JsonObject { ["name"] = "new-name", ["shared"] = false });
        Assert.Equal((HttpStatusCode.BadRequest, "AddressScopeUpdateError"), (unshare.Status, unshare.ErrorType));
        Assert.Equal($"Unable to update address scope {shared} : Shared address scope can't be unshared", unshare.ErrorMessage);
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Fact]
    public async Task A_router_interface_names_its_port_or_subnet_by_uuid()
    {
        await using var api = await ApiHost.StartAsync();
        var router = (string)(await api.CreateAsync("routers", "router", new JsonObject { ["name"] = "r" }))["id"]!;
        var before = await api.SnapshotAsync();
        foreach (var body in new[] { """{"port_id": "port-1"}""", """{"subnet_id": "not-a-uuid"}""" })
        {
            var reply = await api.PutAsync($"/v2.0/routers/{router}/add_router_interface", body);
            Assert.Equal((HttpStatusCode.BadRequest, "InvalidInput"), (reply.Status, reply.ErrorType));
            Assert.EndsWith("is not a valid UUID", reply.ErrorMessage);
        }
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Fact]
    public async Task An_empty_floating_ip_update_clears_its_association_and_a_description_update_keeps_it()
    {
        await using var api = await ApiHost.StartAsync();
        var ext = await api.NetworkAsync("public", new JsonObject { ["router:external"] = true });
        await api.SubnetAsync(ext, "172.24.4.0/24", new JsonObject { ["enable_dhcp"] = false });
        var net = await api.NetworkAsync("private");
        var subnet = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        var router = (string)(await api.CreateAsync("routers", "router", new JsonObject { ["external_gateway_info"] = new JsonObject { ["network_id"] = ext } }))["id"]!;
        await api.PutAsync($"/v2.0/routers/{router}/add_router_interface", $$$"""{"subnet_id": "{{{subnet}}}"}""");
        var vm = (string)(await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net }))["id"]!;
        var fip = (string)(await api.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext, ["port_id"] = vm }))["id"]!;

        var described = (await api.PutAsync($"/v2.0/floatingips/{fip}", """{"floatingip": {"description": "d2"}}""")).Obj("floatingip");
        Assert.Equal((vm, "d2"), ((string?)described["port_id"], (string?)described["description"]));
        var cleared = (await api.PutAsync($"/v2.0/floatingips/{fip}", """{"floatingip": {}}""")).Obj("floatingip");
        Assert.Null((string?)cleared["port_id"]);
        Assert.Null((string?)cleared["fixed_ip_address"]);
        Assert.Equal("DOWN", (string?)cleared["status"]);
    }
}
