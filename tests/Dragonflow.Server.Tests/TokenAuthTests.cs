using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Server.Auth;

namespace Dragonflow.Server.Tests;

/// <summary>auth_strategy = token: static tokens, projects that see only their own resources, admins that see all.</summary>
public class TokenAuthTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        # token      project   role
        tok-admin    ops       admin
        tok-alice    alice     member

        tok-bob      bob       member
        """);

    static async Task<JsonObject> CreateAsync(ApiHost api, string token, string collection, string member, JsonObject attrs)
    {
        var reply = await api.SendAsync(HttpMethod.Post, $"/v2.0/{collection}", new JsonObject { [member] = attrs }.ToJsonString(), token: token);
        Assert.True(reply.Status == HttpStatusCode.Created, $"POST {collection} as {token}: {(int)reply.Status} {reply.Text}");
        return reply.Obj(member);
    }

    static async Task<List<string>> NamesAsync(ApiHost api, string token, string collection)
    {
        var reply = await api.SendAsync(HttpMethod.Get, $"/v2.0/{collection}", token: token);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Body![collection.Replace('-', '_')]!.AsArray().Select(n => (string)n!["name"]!).Order().ToList();
    }

    [Fact]
    public void Token_file_lines_give_project_and_role_and_bad_lines_are_refused()
    {
        Assert.Equal(3, Tokens.Count);
        Assert.Equal(Identity.Of("alice", "alice", ["member", "reader"]), Tokens.Find("tok-alice"));
        Assert.Equal(Identity.Of("ops", "ops", ["admin", "member", "reader"]), Tokens.Find("tok-admin"));
        Assert.Equal(Identity.Of("p", "u", ["reader"]), StaticTokens.Parse("t p reader u").Find("t"));
        Assert.Null(Tokens.Find("nope"));
        Assert.Throws<FormatException>(() => StaticTokens.Parse("t p"));
        Assert.Throws<FormatException>(() => StaticTokens.Parse("t p owner"));
        Assert.Throws<FormatException>(() => StaticTokens.Parse("t p admin u extra"));
        Assert.Throws<FormatException>(() => StaticTokens.Parse("t p admin\nt q member"));
    }

    [Fact]
    public async Task Missing_or_unknown_token_is_401_with_neutron_body_but_version_discovery_is_open()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var missing = await api.SendAsync(HttpMethod.Get, "/v2.0/networks");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        Assert.Equal("HTTPUnauthorized", missing.ErrorType);
        var unknown = await api.SendAsync(HttpMethod.Post, "/v2.0/networks", """{"network":{"name":"x"}}""", token: "forged");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Status);
        Assert.Empty((await api.Nb.ListAsync<Dragonflow.Model.LogicalSwitch>()).Items);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/")).Status);
    }

    [Fact]
    public async Task A_project_sees_and_changes_only_its_own_resources_and_an_admin_sees_all()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var aliceNet = await CreateAsync(api, "tok-alice", "networks", "network", new JsonObject { ["name"] = "alice-net" });
        Assert.Equal("alice", (string?)aliceNet["project_id"]);
        var aliceId = (string)aliceNet["id"]!;
        await CreateAsync(api, "tok-alice", "subnets", "subnet", new JsonObject { ["network_id"] = aliceId, ["cidr"] = "10.1.0.0/24", ["ip_version"] = 4, ["name"] = "alice-sub" });
        var alicePort = await CreateAsync(api, "tok-alice", "ports", "port", new JsonObject { ["network_id"] = aliceId, ["name"] = "alice-port" });
        await CreateAsync(api, "tok-bob", "networks", "network", new JsonObject { ["name"] = "bob-net" });

        Assert.Equal(["alice-net"], await NamesAsync(api, "tok-alice", "networks"));
        Assert.Equal(["bob-net"], await NamesAsync(api, "tok-bob", "networks"));
        Assert.Equal(["alice-net", "bob-net"], await NamesAsync(api, "tok-admin", "networks"));
        Assert.Empty(await NamesAsync(api, "tok-bob", "ports"));
        Assert.Empty(await NamesAsync(api, "tok-bob", "subnets"));
        // Bob's default security group is his own; Alice's is not in his list.
        Assert.Equal(["default"], await NamesAsync(api, "tok-bob", "security-groups"));
        // The admin sees alice's, bob's and its own project's (made by this list).
        Assert.Equal(3, (await NamesAsync(api, "tok-admin", "security-groups")).Count);

        // Others' resources do not exist for bob: show, update, delete, use as a reference.
        var show = await api.SendAsync(HttpMethod.Get, $"/v2.0/networks/{aliceId}", token: "tok-bob");
        Assert.Equal(HttpStatusCode.NotFound, show.Status);
        Assert.Equal("NetworkNotFound", show.ErrorType);
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Put, $"/v2.0/networks/{aliceId}", """{"network":{"name":"mine"}}""", token: "tok-bob")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Delete, $"/v2.0/ports/{alicePort["id"]}", token: "tok-bob")).Status);
        var onOthers = await api.SendAsync(HttpMethod.Post, "/v2.0/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = aliceId } }.ToJsonString(), token: "tok-bob");
        Assert.Equal(HttpStatusCode.NotFound, onOthers.Status);
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, $"/v2.0/networks/{aliceId}", token: "tok-alice")).Status);

        // A member cannot create in another project's name (Neutron's 400); an admin can.
        var spoof = await api.SendAsync(HttpMethod.Post, "/v2.0/networks", """{"network":{"name":"x","tenant_id":"alice"}}""", token: "tok-bob");
        Assert.Equal(HttpStatusCode.BadRequest, spoof.Status);
        var forAlice = await CreateAsync(api, "tok-admin", "networks", "network", new JsonObject { ["name"] = "by-admin", ["project_id"] = "alice" });
        Assert.Equal("alice", (string?)forAlice["project_id"]);

        // The admin changes anything.
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Put, $"/v2.0/networks/{aliceId}", """{"network":{"name":"renamed"}}""", token: "tok-admin")).Status);
        Assert.Equal(["by-admin", "renamed"], await NamesAsync(api, "tok-alice", "networks"));
    }

    [Fact]
    public async Task Shared_networks_are_seen_and_used_by_all_and_external_ones_serve_every_projects_routers_and_floating_ips()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var shared = await CreateAsync(api, "tok-admin", "networks", "network", new JsonObject { ["name"] = "shared", ["shared"] = true });
        await CreateAsync(api, "tok-admin", "subnets", "subnet", new JsonObject { ["network_id"] = shared["id"]!.DeepClone(), ["cidr"] = "10.9.0.0/24", ["ip_version"] = 4, ["name"] = "shared-sub" });
        var ext = await CreateAsync(api, "tok-admin", "networks", "network", new JsonObject { ["name"] = "ext", ["router:external"] = true });
        await CreateAsync(api, "tok-admin", "subnets", "subnet", new JsonObject { ["network_id"] = ext["id"]!.DeepClone(), ["cidr"] = "172.24.4.0/24", ["ip_version"] = 4, ["name"] = "ext-sub" });

        Assert.Equal(["ext", "shared"], await NamesAsync(api, "tok-bob", "networks"));
        // get_subnet: a shared network's subnets are seen by all, an external network's only by its project.
        Assert.Equal(["shared-sub"], await NamesAsync(api, "tok-bob", "subnets"));
        // Bob may put a port on the shared network, but not change the network itself.
        var port = await CreateAsync(api, "tok-bob", "ports", "port", new JsonObject { ["network_id"] = shared["id"]!.DeepClone(), ["name"] = "bob-port" });
        Assert.Equal("bob", (string?)port["project_id"]);
        var rename = await api.SendAsync(HttpMethod.Put, $"/v2.0/networks/{shared["id"]}", """{"network":{"name":"bobs"}}""", token: "tok-bob");
        Assert.Equal(HttpStatusCode.Forbidden, rename.Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.SendAsync(HttpMethod.Delete, $"/v2.0/networks/{ext["id"]}", token: "tok-bob")).Status);
        Assert.Equal(["bob-port"], await NamesAsync(api, "tok-bob", "ports"));
        Assert.Empty(await NamesAsync(api, "tok-alice", "ports"));

        // Bob's router gets its gateway on the admin's external network, and bob a floating IP from it.
        var router = await CreateAsync(api, "tok-bob", "routers", "router", new JsonObject
        {
            ["name"] = "bob-router", ["external_gateway_info"] = new JsonObject { ["network_id"] = ext["id"]!.DeepClone() },
        });
        Assert.Equal((string?)ext["id"], (string?)router["external_gateway_info"]!["network_id"]);
        var fip = await CreateAsync(api, "tok-bob", "floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext["id"]!.DeepClone() });
        Assert.StartsWith("172.24.4.", (string)fip["floating_ip_address"]!);
        Assert.Equal("bob", (string?)fip["project_id"]);
        var aliceFips = await api.SendAsync(HttpMethod.Get, "/v2.0/floatingips", token: "tok-alice");
        Assert.Empty(aliceFips.Body!["floatingips"]!.AsArray());
    }

    [Fact]
    public async Task With_noauth_X_Project_Id_sets_the_project_and_X_Roles_the_roles()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.CreateAsync("networks", "network", new JsonObject { ["name"] = "n" }, project: "carol");
        Assert.Equal("carol", (string?)net["project_id"]);
        Assert.Equal("carol", (string?)net["tenant_id"]);
        // A project header alone is a member of that project: another project does not see it...
        var other = await api.SendAsync(HttpMethod.Get, $"/v2.0/networks/{net["id"]}", project: "dave");
        Assert.Equal(HttpStatusCode.NotFound, other.Status);
        // ...an admin of another project does, and so does a request naming no project at all (the operator's).
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, $"/v2.0/networks/{net["id"]}", project: "dave", roles: "admin")).Status);
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, $"/v2.0/networks/{net["id"]}")).Status);
        // A reader of carol reads but may not write; the roles are case-insensitive, X-Tenant-Id names the project too.
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v2.0/networks/{net["id"]}")
        {
            Content = new StringContent("""{"network":{"name":"r"}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Tenant-Id", "carol");
        request.Headers.Add("X-Roles", " Reader ");
        using var put = await api.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Contains("rule:update_network is disallowed by policy", await put.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Get, $"/v2.0/networks/{net["id"]}", project: "carol", roles: "reader")).Status);
        Assert.Equal("n", (await api.Nb.GetAsync<Dragonflow.Model.LogicalSwitch>((string)net["id"]!)).Name);
    }
}
