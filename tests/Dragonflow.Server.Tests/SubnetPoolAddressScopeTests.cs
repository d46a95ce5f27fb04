using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Server.Auth;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>Subnet pools in address scopes as Neutron checks them: the scope's owner only, unique prefixes on every change.</summary>
public class SubnetPoolAddressScopeTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        tok-admin     ops    admin
        tok-alice     alice  member
        """);

    static JsonObject Pool(string scope, params string[] prefixes) => new()
    {
        ["prefixes"] = new JsonArray([.. prefixes.Select(p => (JsonNode)p)]), ["min_prefixlen"] = "29", ["address_scope_id"] = scope,
    };

    [Fact]
    public async Task Pools_of_one_scope_keep_unique_prefixes_and_only_the_scopes_owner_associates()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, alice) = (Token(api, "tok-admin"), Token(api, "tok-alice"));
        var scope = (string)(await alice.CreateAsync("address-scopes", "address_scope", new JsonObject { ["name"] = "s", ["ip_version"] = 4 }))["id"]!;
        // A prefix with host bits is the network it names (Neutron's validate_subnet accepts it).
        var first = await alice.CreateAsync("subnetpools", "subnetpool", Pool(scope, "10.11.12.13/24"));
        Assert.Equal(["10.11.12.0/24"], first["prefixes"]!.AsArray().Select(p => (string)p!));
        var second = (string)(await alice.CreateAsync("subnetpools", "subnetpool", Pool(scope, "20.10.0.0/24")))["id"]!;

        var before = await api.SnapshotAsync();
        var clash = await alice.PostAsync("subnetpools", "subnetpool", Pool(scope, "10.11.12.0/24"));
        Assert.Equal((HttpStatusCode.Conflict, "AddressScopePrefixConflict"), (clash.Status, clash.ErrorType));
        var grown = await alice.PutAsync($"/v2.0/subnetpools/{first["id"]}", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.11.12.0/24", "20.0.0.0/12") });
        Assert.Equal((HttpStatusCode.Conflict, "AddressScopePrefixConflict"), (grown.Status, grown.ErrorType));

        // An admin's shared scope is not the member's to put pools in, nor to grow a pool an admin put there.
        var shared = (string)(await admin.CreateAsync("address-scopes", "address_scope", new JsonObject { ["name"] = "shared", ["ip_version"] = 4, ["shared"] = true }))["id"]!;
        before = await api.SnapshotAsync();
        var foreign = await alice.PostAsync("subnetpools", "subnetpool", Pool(shared, "30.0.0.0/18"));
        Assert.Equal((HttpStatusCode.BadRequest, "IllegalSubnetPoolAssociationToAddressScope"), (foreign.Status, foreign.ErrorType));
        Assert.StartsWith("Illegal subnetpool association: subnetpool ", foreign.ErrorMessage);
        Assert.Equal(before, await api.SnapshotAsync());
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/v2.0/subnetpools/{second}", "subnetpool", new JsonObject { ["address_scope_id"] = shared })).Status);
        before = await api.SnapshotAsync();
        var tenantGrow = await alice.PutAsync($"/v2.0/subnetpools/{second}", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("20.10.0.0/24", "40.0.0.0/18") });
        Assert.Equal((HttpStatusCode.BadRequest, "IllegalSubnetPoolAssociationToAddressScope"), (tenantGrow.Status, tenantGrow.ErrorType));
        Assert.Equal(before, await api.SnapshotAsync());
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/v2.0/subnetpools/{second}", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("20.10.0.0/24", "40.0.0.0/18") })).Status);
    }

    [Fact]
    public async Task Default_quota_counts_ipv4_addresses_and_ipv6_slash_64s_and_zero_is_no_limit()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var v4 = (string)(await api.CreateAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.50.0.0/16"), ["default_quota"] = 256 }))["id"]!;
        var v6 = (string)(await api.CreateAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("2001:db8:3::/48"), ["min_prefixlen"] = "64", ["default_quota"] = 1 }))["id"]!;
        var none = (string)(await api.CreateAsync("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.60.0.0/16"), ["default_quota"] = 0 }))["id"]!;
        JsonObject Subnet(string pool, int version, int prefixlen) => new() { ["network_id"] = net, ["subnetpool_id"] = pool, ["ip_version"] = version, ["prefixlen"] = prefixlen };

        await api.CreateAsync("subnets", "subnet", Subnet(v4, 4, 24));
        await api.CreateAsync("subnets", "subnet", Subnet(v6, 6, 64));
        await api.CreateAsync("subnets", "subnet", Subnet(none, 4, 24));
        await api.CreateAsync("subnets", "subnet", Subnet(none, 4, 24));
        var before = await api.SnapshotAsync();
        foreach (var (pool, version, prefixlen) in new[] { (v4, 4, 30), (v6, 6, 64) })
        {
            var over = await api.PostAsync("/v2.0/subnets", new JsonObject { ["subnet"] = Subnet(pool, version, prefixlen) }.ToJsonString());
            Assert.Equal((HttpStatusCode.Conflict, "SubnetPoolQuotaExceeded"), (over.Status, over.ErrorType));
        }
        Assert.Equal(before, await api.SnapshotAsync());
    }
}
