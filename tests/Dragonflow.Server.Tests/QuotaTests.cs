using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Auth;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>/v2.0/quotas: configured defaults, an admin's limits per project, usage details, and Neutron's 409 OverQuota on create.</summary>
public class QuotaTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        tok-admin     ops    admin
        tok-alice     alice  member
        tok-auditor   alice  reader
        tok-bob       bob    member
        """);

    static readonly Dictionary<string, int> Configured = new()
    {
        ["network"] = 3, ["subnet"] = 100, ["subnetpool"] = -1, ["port"] = 2, ["router"] = -1, ["floatingip"] = 50, ["rbac_policy"] = 1,
        ["security_group"] = 10, ["security_group_rule"] = 100,
    };

    [Fact]
    public async Task Configured_defaults_hold_until_an_admin_sets_a_projects_own_limits()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens, quotaDefaults: Configured);
        var (admin, alice, auditor, bob) = (Token(api, "tok-admin"), Token(api, "tok-alice"), Token(api, "tok-auditor"), Token(api, "tok-bob"));

        var shown = (await auditor.GetAsync("/v2.0/quotas/alice")).Obj("quota");
        Assert.Equal(3, (int)shown["network"]!);
        Assert.Equal(-1, (int)shown["router"]!);
        Assert.Equal(9, shown.Count);
        Assert.Equal(2, (int)(await alice.GetAsync("/v2.0/quotas/alice/default")).Obj("quota")["port"]!);
        AssertRefused(await bob.GetAsync("/v2.0/quotas/alice"), "rule:get_quota");
        var list = await alice.GetAsync("/v2.0/quotas");
        Assert.Equal((HttpStatusCode.Forbidden, "AdminRequired"), (list.Status, list.ErrorType));
        AssertRefused(await alice.PutAsync("/v2.0/quotas/alice", "quota", new JsonObject { ["network"] = 50 }), "rule:update_quota");
        AssertRefused(await alice.DeleteAsync("/v2.0/quotas/alice"), "rule:delete_quota");
        Assert.Empty((await admin.GetAsync("/v2.0/quotas")).Body!["quotas"]!.AsArray());

        var set = (await admin.PutAsync("/v2.0/quotas/alice", "quota", new JsonObject { ["network"] = 1, ["port"] = "-1" })).Obj("quota");
        Assert.Equal((1, -1, 100), ((int)set["network"]!, (int)set["port"]!, (int)set["subnet"]!));
        var own = Assert.Single((await admin.GetAsync("/v2.0/quotas")).Body!["quotas"]!.AsArray())!;
        Assert.Equal(("alice", "alice", 1), ((string?)own["project_id"], (string?)own["tenant_id"], (int)own["network"]!));
        // The defaults and other projects are untouched.
        Assert.Equal(3, (int)(await bob.GetAsync("/v2.0/quotas/bob")).Obj("quota")["network"]!);
        Assert.Equal(3, (int)(await admin.GetAsync("/v2.0/quotas/alice/default")).Obj("quota")["network"]!);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/v2.0/quotas/alice")).Status);
        Assert.Equal(3, (int)(await alice.GetAsync("/v2.0/quotas/alice")).Obj("quota")["network"]!);
        var gone = await admin.DeleteAsync("/v2.0/quotas/alice");
        Assert.Equal((HttpStatusCode.NotFound, "TenantQuotaNotFound"), (gone.Status, gone.ErrorType));
    }

    [Fact]
    public async Task Creates_past_the_limit_are_refused_with_over_quota_and_write_nothing()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens, quotaDefaults: Configured);
        var (admin, alice, bob) = (Token(api, "tok-admin"), Token(api, "tok-alice"), Token(api, "tok-bob"));
        var net = (string)(await alice.CreateAsync("networks", "network", new JsonObject()))["id"]!;
        await alice.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        await alice.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });

        var before = await api.SnapshotAsync();
        var third = await alice.PostAsync("ports", "port", new JsonObject { ["network_id"] = net });
        Assert.Equal((HttpStatusCode.Conflict, "OverQuota", "Quota exceeded for resources: ['port']."), (third.Status, third.ErrorType, third.ErrorMessage));
        // A bulk create that would go past the limit is refused whole, before anything is written.
        var bulk = await api.SendAsync(HttpMethod.Post, "/v2.0/networks", """{"networks": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}""", token: "tok-alice");
        Assert.Equal((HttpStatusCode.Conflict, "OverQuota"), (bulk.Status, bulk.ErrorType));
        Assert.Equal(before, await api.SnapshotAsync());
        // Another project counts its own.
        await bob.CreateAsync("networks", "network", new JsonObject());
        // An admin's own limit for the project lifts it; -1 is unlimited.
        await admin.PutAsync("/v2.0/quotas/alice", "quota", new JsonObject { ["port"] = -1 });
        await alice.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });

        // Neutron's format suffix is taken too (tempest's quota client asks for details.json).
        var details = (await alice.GetAsync("/v2.0/quotas/alice/details.json")).Obj("quota");
        Assert.Equal((-1, 3, 0), ((int)details["port"]!["limit"]!, (int)details["port"]!["used"]!, (int)details["port"]!["reserved"]!));
        Assert.Equal((3, 1), ((int)details["network"]!["limit"]!, (int)details["network"]!["used"]!));
        // The default security group's rules count as the project's rules.
        Assert.True((int)details["security_group_rule"]!["used"]! >= 4);

        await admin.PutAsync("/v2.0/quotas/alice", "quota", new JsonObject { ["security_group_rule"] = 0 });
        // A new group brings its two egress rules: no room for them, no group.
        before = await api.SnapshotAsync();
        var groupOverRules = await alice.PostAsync("security-groups", "security_group", new JsonObject { ["name"] = "web" });
        Assert.Equal((HttpStatusCode.Conflict, "Quota exceeded for resources: ['security_group_rule']."), (groupOverRules.Status, groupOverRules.ErrorMessage));
        Assert.Equal(before, await api.SnapshotAsync());
        var group = (await alice.GetAsync("/v2.0/security-groups")).Body!["security_groups"]![0]!["id"]!;
        var rule = await alice.PostAsync("security-group-rules", "security_group_rule", new JsonObject
        {
            ["security_group_id"] = group.DeepClone(), ["direction"] = "ingress", ["protocol"] = "tcp", ["port_range_min"] = 22, ["port_range_max"] = 22,
        });
        Assert.Equal((HttpStatusCode.Conflict, "Quota exceeded for resources: ['security_group_rule']."), (rule.Status, rule.ErrorMessage));

        // RBAC policies count for the project that makes them.
        JsonObject Share(string target) => new() { ["object_type"] = "network", ["object_id"] = net, ["action"] = "access_as_shared", ["target_tenant"] = target };
        await alice.CreateAsync("rbac-policies", "rbac_policy", Share("bob"));
        before = await api.SnapshotAsync();
        var second = await alice.PostAsync("rbac-policies", "rbac_policy", Share("carol"));
        Assert.Equal((HttpStatusCode.Conflict, "Quota exceeded for resources: ['rbac_policy']."), (second.Status, second.ErrorMessage));
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Theory]
    [InlineData("""{"quota": {"network": -2}}""", "Invalid input for operation: Invalid input for network. Reason: '-2' is too small - must be at least '-1'.")]
    [InlineData("""{"quota": {"network": 2147483648}}""", "Invalid input for operation: Invalid input for network. Reason: '2147483648' is too large - must be no larger than '2147483647'.")]
    [InlineData("""{"quota": {"network": "value"}}""", "Invalid input for operation: Invalid input for network. Reason: 'value' is not an integer.")]
    [InlineData("""{"quota": {"network": 1.5}}""", "Invalid input for operation: Invalid input for network. Reason: '1.5' is not an integer.")]
    [InlineData("""{"quota": {"gpus": 1}}""", "Unrecognized attribute(s) 'gpus'")]
    [InlineData("""{"quota": [1]}""", "Resource body required: expected an object under 'quota'.")]
    public async Task Bad_limits_are_refused_and_change_nothing(string body, string message)
    {
        await using var api = await ApiHost.StartAsync(quotaDefaults: Configured);
        var before = await api.SnapshotAsync();
        var reply = await api.PutAsync("/v2.0/quotas/alice", body);
        Assert.Equal((HttpStatusCode.BadRequest, message), (reply.Status, reply.ErrorMessage));
        Assert.Equal(before, await api.SnapshotAsync());
        Assert.Empty((await api.Nb.ListAsync<ProjectQuota>()).Items);
    }
}
