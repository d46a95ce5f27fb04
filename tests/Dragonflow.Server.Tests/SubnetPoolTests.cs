using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Auth;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>/v2.0/subnetpools and /v2.0/address-scopes, and subnets whose CIDR a pool hands out.</summary>
public class SubnetPoolTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        tok-admin     ops    admin
        tok-alice     alice  member
        tok-bob       bob    member
        """);

    static JsonObject Pool(params string[] prefixes) => new() { ["prefixes"] = new JsonArray([.. prefixes.Select(p => (JsonNode)p)]) };

    static JsonObject FromPool(string network, string pool, int? prefixlen = null, string? cidr = null)
    {
        var body = new JsonObject { ["network_id"] = network, ["ip_version"] = 4, ["subnetpool_id"] = pool };
        if (prefixlen is { } len) body["prefixlen"] = len;
        if (cidr is not null) body["cidr"] = cidr;
        return body;
    }

    [Fact]
    public async Task A_pool_is_created_shown_grown_and_never_shrunk()
    {
        await using var api = await ApiHost.StartAsync();
        var pool = await api.CreateAsync("subnetpools", "subnetpool", new JsonObject
        {
            ["name"] = "p", ["prefixes"] = new JsonArray("10.10.0.0/16", "10.10.4.0/24"), ["min_prefixlen"] = 20, ["max_prefixlen"] = 28, ["default_prefixlen"] = 24,
        });
        var id = (string)pool["id"]!;
        // A prefix inside another is compacted away, as Neutron does.
        Assert.Equal(["10.10.0.0/16"], pool["prefixes"]!.AsArray().Select(p => (string)p!));
        // Neutron shows the prefix lengths of a pool as strings.
        Assert.Equal((4, "20", "28", "24", false, false), ((int)pool["ip_version"]!, (string?)pool["min_prefixlen"], (string?)pool["max_prefixlen"],
            (string?)pool["default_prefixlen"], (bool)pool["shared"]!, (bool)pool["is_default"]!));
        Assert.Null(pool["address_scope_id"]);
        Assert.Null(pool["default_quota"]);
        Assert.Equal(1, (long)pool["revision_number"]!);

        var defaults = await api.CreateAsync("subnetpools", "subnetpool", Pool("fd00::/48"));
        Assert.Equal((6, "64", "128", "64"), ((int)defaults["ip_version"]!, (string?)defaults["min_prefixlen"], (string?)defaults["max_prefixlen"], (string?)defaults["default_prefixlen"]));

        var grown = await api.PutAsync($"/v2.0/subnetpools/{id}", """{"subnetpool": {"prefixes": ["10.10.0.0/16", "10.20.0.0/16"], "name": "q"}}""");
        Assert.Equal(HttpStatusCode.OK, grown.Status);
        Assert.Equal(["10.10.0.0/16", "10.20.0.0/16"], grown.Obj("subnetpool")["prefixes"]!.AsArray().Select(p => (string)p!));
        var shrunk = await api.PutAsync($"/v2.0/subnetpools/{id}", """{"subnetpool": {"prefixes": ["10.20.0.0/16"]}}""");
        Assert.Equal((HttpStatusCode.BadRequest, "IllegalSubnetPoolPrefixUpdate"), (shrunk.Status, shrunk.ErrorType));
        var bounds = await api.PutAsync($"/v2.0/subnetpools/{id}", """{"subnetpool": {"default_prefixlen": 30}}""");
        Assert.Equal((HttpStatusCode.BadRequest, "IllegalSubnetPoolPrefixBounds"), (bounds.Status, bounds.ErrorType));
        Assert.Equal("Illegal prefix bounds: default_prefixlen=30, max_prefixlen=28.", bounds.ErrorMessage);
        var readOnly = await api.PutAsync($"/v2.0/subnetpools/{id}", """{"subnetpool": {"shared": true}}""");
        Assert.Equal(HttpStatusCode.BadRequest, readOnly.Status);
        Assert.Equal("q", (string?)(await api.GetAsync($"/v2.0/subnetpools/{id}")).Obj("subnetpool")["name"]);
        Assert.Equal(2, (await api.GetAsync("/v2.0/subnetpools")).Body!["subnetpools"]!.AsArray().Count);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/subnetpools/{id}")).Status);
        var gone = await api.GetAsync($"/v2.0/subnetpools/{id}");
        Assert.Equal((HttpStatusCode.NotFound, "SubnetPoolNotFound"), (gone.Status, gone.ErrorType));

        var aliases = (await api.GetAsync("/v2.0/extensions")).Body!["extensions"]!.AsArray().Select(e => (string?)e!["alias"]).ToList();
        Assert.Subset(aliases.ToHashSet(), new HashSet<string?> { "subnet_allocation", "address-scope", "default-subnetpools" });
    }

    [Fact]
    public async Task Subnets_get_free_cidrs_of_the_pool_and_give_them_back()
    {
        await using var api = await ApiHost.StartAsync();
        var pool = (string)(await api.CreateAsync("subnetpools", "subnetpool", new JsonObject
        {
            ["prefixes"] = new JsonArray("10.30.0.0/22"), ["min_prefixlen"] = 22, ["max_prefixlen"] = 26, ["default_prefixlen"] = 24,
        }))["id"]!;
        var (n1, n2, n3) = (await api.NetworkAsync("a"), await api.NetworkAsync("b"), await api.NetworkAsync("c"));

        var first = await api.CreateAsync("subnets", "subnet", FromPool(n1, pool));
        Assert.Equal(("10.30.0.0/24", pool, "10.30.0.1"), ((string?)first["cidr"], (string?)first["subnetpool_id"], (string?)first["gateway_ip"]));
        var explicitCidr = await api.CreateAsync("subnets", "subnet", FromPool(n2, pool, cidr: "10.30.2.0/24"));
        Assert.Equal("10.30.2.0/24", (string?)explicitCidr["cidr"]);
        var small = await api.CreateAsync("subnets", "subnet", FromPool(n3, pool, prefixlen: 26));
        Assert.Equal("10.30.1.0/26", (string?)small["cidr"]);
        // Pools keep subnets of different networks apart too.
        var next = await api.CreateAsync("subnets", "subnet", FromPool(n3, pool, prefixlen: 25));
        Assert.Equal("10.30.1.128/25", (string?)next["cidr"]);

        await api.SubnetAsync(n1, "10.30.3.0/24"); // not from the pool
        // A refused claim writes nothing; one given back after a later refusal leaves the pool's
        // allocations as they were (only its revision moves), so the pool is compared by them.
        var before = await api.SnapshotAsync("subnetpool");
        var allocations = (await api.Nb.GetAsync<SubnetPool>(pool)).Allocations;
        var overlap = await api.PostAsync("/v2.0/subnets", new JsonObject { ["subnet"] = FromPool(n1, pool, cidr: "10.30.2.128/25") }.ToJsonString());
        Assert.Equal((HttpStatusCode.Conflict, "SubnetAllocationError"), (overlap.Status, overlap.ErrorType));
        var outside = await api.PostAsync("/v2.0/subnets", new JsonObject { ["subnet"] = FromPool(n1, pool, cidr: "10.31.0.0/24") }.ToJsonString());
        Assert.Equal((HttpStatusCode.Conflict, "Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes."), (outside.Status, outside.ErrorMessage));
        var tooLong = await api.PostAsync("/v2.0/subnets", new JsonObject { ["subnet"] = FromPool(n1, pool, prefixlen: 27) }.ToJsonString());
        Assert.Equal((HttpStatusCode.BadRequest, "MaxPrefixSubnetAllocationError"), (tooLong.Status, tooLong.ErrorType));
        var tooShort = await api.PostAsync("/v2.0/subnets", new JsonObject { ["subnet"] = FromPool(n1, pool, prefixlen: 21) }.ToJsonString());
        Assert.Equal((HttpStatusCode.BadRequest, "MinPrefixSubnetAllocationError"), (tooShort.Status, tooShort.ErrorType));
        var wrongVersion = await api.PostAsync("/v2.0/subnets", """{"subnet": {"network_id": "x", "ip_version": 6, "subnetpool_id": "POOL"}}""".Replace("POOL", pool));
        Assert.Equal(HttpStatusCode.BadRequest, wrongVersion.Status);
        // The network's own overlap check still holds: the pool's claim is given back.
        var sameNet = await api.PostAsync("/v2.0/subnets", new JsonObject { ["subnet"] = FromPool(n1, pool, cidr: "10.30.3.0/24") }.ToJsonString());
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidInput"), (sameNet.Status, sameNet.ErrorType));
        Assert.Equal(before, await api.SnapshotAsync("subnetpool"));
        Assert.Equal(allocations, (await api.Nb.GetAsync<SubnetPool>(pool)).Allocations);
        var full = await api.PostAsync("/v2.0/subnets", new JsonObject { ["subnet"] = FromPool(n2, pool, prefixlen: 24) }.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, full.Status);
        var none = await api.PostAsync("/v2.0/subnets", new JsonObject { ["subnet"] = FromPool(n3, pool, prefixlen: 25) }.ToJsonString());
        Assert.Equal((HttpStatusCode.Conflict, "Failed to allocate subnet: Insufficient prefix space to allocate subnet size /25."), (none.Status, none.ErrorMessage));

        var inUse = await api.DeleteAsync($"/v2.0/subnetpools/{pool}");
        Assert.Equal((HttpStatusCode.Conflict, "SubnetPoolInUse"), (inUse.Status, inUse.ErrorType));
        Assert.NotNull(await api.Nb.TryGetAsync<SubnetPool>(pool));

        // A deleted subnet's CIDR is free again.
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/subnets/{(string)first["id"]!}")).Status);
        var again = await api.CreateAsync("subnets", "subnet", FromPool(n2, pool));
        Assert.Equal("10.30.0.0/24", (string?)again["cidr"]);
        foreach (var subnet in (await api.Nb.ListAsync<LogicalSubnet>()).Items)
            Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/subnets/{subnet.Id}")).Status);
        Assert.Empty((await api.Nb.GetAsync<SubnetPool>(pool)).Allocations);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/subnetpools/{pool}")).Status);
    }

    [Fact]
    public async Task Concurrent_creates_on_two_servers_never_get_overlapping_cidrs()
    {
        await using var a = await ApiHost.StartAsync();
        await using var b = await ApiHost.StartAsync(a.DbPath);
        var pool = (string)(await a.CreateAsync("subnetpools", "subnetpool", new JsonObject
        {
            ["prefixes"] = new JsonArray("10.40.0.0/24"), ["min_prefixlen"] = 24, ["default_prefixlen"] = 28,
        }))["id"]!;
        var networks = new List<string>();
        for (var i = 0; i < 20; i++)
            networks.Add(await a.NetworkAsync($"n{i}"));
        // 20 creates for 16 slots of /28, half on each server, all at once.
        var replies = await Task.WhenAll(networks.Select((n, i) =>
            (i % 2 == 0 ? a : b).PostAsync("/v2.0/subnets", new JsonObject { ["subnet"] = FromPool(n, pool) }.ToJsonString())));
        var created = replies.Where(r => r.Status == HttpStatusCode.Created).Select(r => (string)r.Obj("subnet")["cidr"]!).ToList();
        Assert.Equal(16, created.Count);
        Assert.Equal(16, created.Distinct().Count());
        Assert.All(replies.Where(r => r.Status != HttpStatusCode.Created), r => Assert.Equal((HttpStatusCode.Conflict, "SubnetAllocationError"), (r.Status, r.ErrorType)));
        Assert.Equal(created.Order(), (await a.Nb.GetAsync<SubnetPool>(pool)).Allocations.Select(x => x.Cidr).Order());
    }

    [Fact]
    public async Task Shared_and_default_pools_are_the_admins_and_serve_every_project()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, alice, bob) = (Token(api, "tok-admin"), Token(api, "tok-alice"), Token(api, "tok-bob"));
        AssertRefused(await alice.PostAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.50.0.0/16"), ["shared"] = true }),
            "(rule:create_subnetpool and rule:create_subnetpool:shared)");
        AssertRefused(await alice.PostAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.50.0.0/16"), ["is_default"] = true }),
            "(rule:create_subnetpool and rule:create_subnetpool:is_default)");
        var own = (string)(await alice.CreateAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.50.0.0/16"), ["default_prefixlen"] = 24 }))["id"]!;
        var bobNet = (string)(await bob.CreateAsync("networks", "network", new JsonObject()))["id"]!;
        AssertNotFound(await bob.GetAsync($"/v2.0/subnetpools/{own}"));
        AssertNotFound(await bob.PostAsync("subnets", "subnet", FromPool(bobNet, own)));
        Assert.Empty(await bob.IdsAsync("subnetpools"));

        var shared = (string)(await admin.CreateAsync("subnetpools", "subnetpool", new JsonObject
        {
            ["prefixes"] = new JsonArray("10.60.0.0/16"), ["default_prefixlen"] = 24, ["shared"] = true, ["is_default"] = true,
        }))["id"]!;
        Assert.Equal([shared], await bob.IdsAsync("subnetpools"));
        var second = await admin.PostAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.70.0.0/16"), ["is_default"] = true });
        Assert.Equal(HttpStatusCode.BadRequest, second.Status);
        AssertRefused(await alice.PutAsync($"/v2.0/subnetpools/{own}", "subnetpool", new JsonObject { ["is_default"] = true }),
            "(rule:update_subnetpool and rule:update_subnetpool:is_default)");
        AssertRefused(await bob.PutAsync($"/v2.0/subnetpools/{shared}", "subnetpool", new JsonObject { ["name"] = "mine" }), "rule:update_subnetpool");

        var subnet = await bob.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = bobNet, ["ip_version"] = 4, ["use_default_subnetpool"] = true });
        Assert.Equal(("10.60.0.0/24", shared), ((string?)subnet["cidr"], (string?)subnet["subnetpool_id"]));
        var noV6 = await bob.PostAsync("subnets", "subnet", new JsonObject { ["network_id"] = bobNet, ["ip_version"] = 6, ["use_default_subnetpool"] = true });
        Assert.Equal(HttpStatusCode.BadRequest, noV6.Status);
    }

    [Fact]
    public async Task Address_scopes_keep_their_pools_apart()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, alice, bob) = (Token(api, "tok-admin"), Token(api, "tok-alice"), Token(api, "tok-bob"));
        AssertRefused(await alice.PostAsync("address-scopes", "address_scope", new JsonObject { ["ip_version"] = 4, ["shared"] = true }),
            "(rule:create_address_scope and rule:create_address_scope:shared)");
        var scope = await alice.CreateAsync("address-scopes", "address_scope", new JsonObject { ["name"] = "s", ["ip_version"] = 4 });
        var scopeId = (string)scope["id"]!;
        Assert.Equal((4, false, "alice"), ((int)scope["ip_version"]!, (bool)scope["shared"]!, (string?)scope["project_id"]));
        AssertNotFound(await bob.GetAsync($"/v2.0/address-scopes/{scopeId}"));

        var p1 = await alice.CreateAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.80.0.0/16"), ["address_scope_id"] = scopeId });
        Assert.Equal(scopeId, (string?)p1["address_scope_id"]);
        var clash = await alice.PostAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.80.128.0/17"), ["address_scope_id"] = scopeId });
        Assert.Equal((HttpStatusCode.Conflict, "AddressScopePrefixConflict"), (clash.Status, clash.ErrorType));
        var v6 = await alice.PostAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("fd00::/48"), ["address_scope_id"] = scopeId });
        Assert.Equal(HttpStatusCode.BadRequest, v6.Status);
        AssertNotFound(await bob.PostAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.90.0.0/16"), ["address_scope_id"] = scopeId }));

        var inUse = await alice.DeleteAsync($"/v2.0/address-scopes/{scopeId}");
        Assert.Equal((HttpStatusCode.Conflict, "AddressScopeInUse"), (inUse.Status, inUse.ErrorType));
        Assert.Equal(HttpStatusCode.OK, (await alice.PutAsync($"/v2.0/subnetpools/{(string)p1["id"]!}", "subnetpool", new JsonObject { ["address_scope_id"] = null })).Status);
        AssertRefused(await alice.PutAsync($"/v2.0/address-scopes/{scopeId}", "address_scope", new JsonObject { ["shared"] = true }),
            "(rule:update_address_scope and rule:update_address_scope:shared)");
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/v2.0/address-scopes/{scopeId}", "address_scope", new JsonObject { ["shared"] = true })).Status);
        Assert.Equal([scopeId], await bob.IdsAsync("address-scopes"));
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/v2.0/address-scopes/{scopeId}")).Status);
    }

    [Theory]
    [InlineData("""{"subnetpool": {"prefixes": "10.0.0.0/8"}}""", "InvalidInput")]
    [InlineData("""{"subnetpool": {"prefixes": ["10.0.0.1"]}}""", "InvalidInput")]
    [InlineData("""{"subnetpool": {"prefixes": ["10.0.0.0/8"], "address_scope_id": "foo-addr-scope"}}""", "InvalidInput")]
    [InlineData("""{"subnetpool": {"prefixes": []}}""", "EmptySubnetPoolPrefixList")]
    [InlineData("""{"subnetpool": {"prefixes": ["10.0.0.0/8", "fd00::/48"]}}""", "PrefixVersionMismatch")]
    [InlineData("""{"subnetpool": {"prefixes": ["10.0.0.0/8"], "ip_version": 4}}""", "HTTPBadRequest")]
    [InlineData("""{"subnetpool": {"prefixes": ["10.0.0.0/8"], "min_prefixlen": 33}}""", "InvalidInput")]
    [InlineData("""{"subnetpool": {"prefixes": ["10.0.0.0/8"], "default_quota": -1}}""", "InvalidInput")]
    [InlineData("""{"subnetpool": {"prefixes": ["10.0.0.0/8"], "min_prefixlen": 24, "max_prefixlen": 16}}""", "IllegalSubnetPoolPrefixBounds")]
    [InlineData("""{"subnetpool": {"prefixes": ["10.0.0.0/8"], "address_scope_id": 7}}""", "InvalidInput")]
    [InlineData("""{"subnetpool": [1]}""", "HTTPBadRequest")]
    public async Task Bad_pool_bodies_get_400_and_change_nothing(string body, string type)
    {
        await using var api = await ApiHost.StartAsync();
        var before = await api.SnapshotAsync();
        var reply = await api.PostAsync("/v2.0/subnetpools", body);
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(type, reply.ErrorType);
        Assert.Equal(before, await api.SnapshotAsync());
    }
}
