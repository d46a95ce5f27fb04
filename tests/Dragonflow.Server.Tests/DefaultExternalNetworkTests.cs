using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Auth;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>is_default on external networks: one default at most, and its policy for everyone stays.</summary>
public class DefaultExternalNetworkTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        tok-admin     ops    admin
        tok-bob       bob    member
        """);

    [Fact]
    public async Task The_default_external_network_keeps_its_wildcard_external_policy_and_is_the_only_default()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, bob) = (Token(api, "tok-admin"), Token(api, "tok-bob"));
        var net = (string)(await admin.CreateAsync("networks", "network", new JsonObject { ["name"] = "public", ["router:external"] = true }))["id"]!;
        AssertRefused(await bob.PutAsync($"/v2.0/networks/{net}", "network", new JsonObject { ["is_default"] = true }), "rule:update_network");
        var updated = (await admin.PutAsync($"/v2.0/networks/{net}", "network", new JsonObject { ["is_default"] = true })).Obj("network");
        Assert.True((bool)updated["is_default"]!);
        var wildcard = Assert.Single((await api.Nb.ListAsync<RbacPolicy>()).Items);
        Assert.Equal((RbacPolicy.AccessAsExternal, RbacPolicy.Everyone), (wildcard.Action, wildcard.TargetTenant));

        var before = await api.SnapshotAsync();
        var inUse = await admin.DeleteAsync($"/v2.0/rbac-policies/{wildcard.Id}");
        Assert.Equal((HttpStatusCode.Conflict, "RbacPolicyInUse"), (inUse.Status, inUse.ErrorType));
        Assert.Equal($"RBAC policy on object {net} cannot be removed because other objects depend on it.\nDetails: Default external networks must be shared to everyone.", inUse.ErrorMessage);
        var narrowed = await admin.PutAsync($"/v2.0/rbac-policies/{wildcard.Id}", "rbac_policy", new JsonObject { ["target_tenant"] = "bob" });
        Assert.Equal((HttpStatusCode.Conflict, "RbacPolicyInUse"), (narrowed.Status, narrowed.ErrorType));
        var second = await admin.PostAsync("networks", "network", new JsonObject { ["router:external"] = true, ["is_default"] = true });
        Assert.Equal((HttpStatusCode.Conflict, "DefaultExternalNetworkExists"), (second.Status, second.ErrorType));
        Assert.Equal($"Default external network {net} already exists", second.ErrorMessage);
        Assert.Equal(before, await api.SnapshotAsync());
        Assert.True((bool)(await bob.GetAsync($"/v2.0/networks/{net}")).Obj("network")["router:external"]!);

        // No longer the default: the policy may go, and the network is no longer external.
        Assert.False((bool)(await admin.PutAsync($"/v2.0/networks/{net}", "network", new JsonObject { ["is_default"] = false })).Obj("network")["is_default"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v2.0/rbac-policies/{wildcard.Id}")).Status);
        Assert.False((await api.Nb.GetAsync<LogicalSwitch>(net)).RouterExternal);
        // A network that is not external is never the default.
        var internalNet = (await admin.CreateAsync("networks", "network", new JsonObject { ["is_default"] = true }));
        Assert.False((bool)internalNet["is_default"]!);
    }
}
