using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dragonflow.Server.Resources;

/// <summary>
/// /v2.0/security-group-rules. Rules live inside their group's lsecgroup object, so adding or
/// removing one is a read-modify-write (compare-and-swap) of the group; the group's version moves
/// with its rules, which is what a controller watches. A bulk create adds all its rules in that
/// one write, so it is all-or-nothing by itself (Neutron's native bulk: one group, one project).
/// </summary>
sealed class SecurityGroupRuleEndpoints(CorePlugin plugin)
{
    public const string Collection = "security-group-rules";
    const string Member = "security_group_rule";
    const string BodyCollection = "security_group_rules";

    public void Map(IEndpointRouteBuilder app, string defaultProject)
    {
        var path = $"/v2.0/{Collection}";
        app.MapGet(path, async (HttpContext ctx) =>
        {
            var query = new ListQuery(ctx.Request, "Security group rule", Views.Rule(new SecurityGroup(), new SecurityGroupRule()));
            var caller = Caller.Of(ctx, defaultProject);
            var groups = (await plugin.Nb.ListAsync<SecurityGroup>()).Items;
            var rules = groups.SelectMany(g => g.Rules.Where(r => Reads(caller, g, r)).Select(r => Views.Rule(g, r)));
            return Results.Json(query.Body(BodyCollection, rules));
        });
        app.MapGet(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var (group, rule) = await FindAsync(Caller.Of(ctx, defaultProject), id);
            return Results.Json(new JsonObject { [Member] = ListQuery.Select(Views.Rule(group, rule), ListQuery.Fields(ctx.Request.Query)) });
        });
        app.MapPost(path, async (HttpContext ctx) =>
        {
            var root = await RequestBody.ReadObjectAsync(ctx.Request);
            var caller = Caller.Of(ctx, defaultProject);
            if (BulkBody.Items(root, BodyCollection, Member) is { } items)
            {
                var (group, rules) = await CreateAsync(caller, items);
                return Results.Json(new JsonObject { [BodyCollection] = new JsonArray([.. rules.Select(r => (JsonNode)Views.Rule(group, r))]) }, statusCode: 201);
            }
            var (g, created) = await CreateAsync(caller, [RequestBody.ResourceOf(root, Member)]);
            return Results.Json(new JsonObject { [Member] = Views.Rule(g, created[0]) }, statusCode: 201);
        });
        app.MapPut(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var body = new Input(await RequestBody.ReadResourceAsync(ctx.Request, Member)).Only(["description"]);
            var description = body.String("description") ?? "";
            var (group, _) = await FindAsync(Caller.Of(ctx, defaultProject), id, "update_security_group_rule");
            var updated = await plugin.Nb.UpdateAsync<SecurityGroup>(group.Id, g =>
            {
                var r = g.Rules.FirstOrDefault(x => x.Id == id) ?? throw NeutronErrors.NotFound("Security group rule", id);
                r.Description = description;
                r.Version++;
                r.UpdatedAt = DateTimeOffset.UtcNow;
            });
            return Results.Json(new JsonObject { [Member] = Views.Rule(updated, updated.Rules.First(r => r.Id == id)) });
        });
        app.MapDelete(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var (group, _) = await FindAsync(Caller.Of(ctx, defaultProject), id, "delete_security_group_rule");
            await plugin.Nb.UpdateAsync<SecurityGroup>(group.Id, g =>
            {
                if (g.Rules.RemoveAll(r => r.Id == id) == 0)
                    throw NeutronErrors.NotFound("Security group rule", id);
            });
            return Results.NoContent();
        });
    }

    /// <summary>Adds the rules of <paramref name="bodies"/> to their one group in one write, refusing them all if any is refused.</summary>
    async Task<(SecurityGroup Group, IReadOnlyList<SecurityGroupRule> Rules)> CreateAsync(Caller caller, IReadOnlyList<JsonObject> bodies)
    {
        var groupIds = new List<string>(bodies.Count);
        var rules = new List<SecurityGroupRule>(bodies.Count);
        foreach (var attributes in bodies)
        {
            var body = new Input(attributes).Only(SecurityGroupRuleRequest.Attributes);
            groupIds.Add(body.RequiredString("security_group_id"));
            rules.Add(await SecurityGroupRuleRequest.ParseAsync(plugin, body, caller));
        }
        if (groupIds.Distinct().Count() > 1)
            throw SecurityGroupRuleErrors.NotSingleGroup();
        if (rules.Select(r => r.Topic).Distinct().Count() > 1)
            throw SecurityGroupRuleErrors.NotSingleTenant();
        for (var i = 0; i < rules.Count; i++)
            if (rules.Take(i).Any(earlier => SameRule(earlier, rules[i])))
                throw SecurityGroupRuleErrors.DuplicateInPost();
        var groupId = groupIds[0];
        var target = await Access.FindAsync<SecurityGroup>(plugin, caller, groupId, "Security group");
        Access.Require(caller.Writes(target.Topic) && rules.All(r => caller.Writes(r.Topic)), "create_security_group_rule");
        await plugin.Quotas.RequireRoomAsync("security_group_rule", rules.Select(r => r.Topic ?? caller.ProjectId));
        var group = await plugin.Nb.UpdateAsync<SecurityGroup>(groupId, g =>
        {
            foreach (var rule in rules)
                if (g.Rules.FirstOrDefault(r => SameRule(r, rule)) is { } existing)
                    throw SecurityGroupRuleErrors.Exists(existing.Id);
            g.Rules.AddRange(rules);
        });
        return (group, rules);
    }

    /// <summary>get_security_group_rule: admin, the rule's project reader, or the group's project.</summary>
    static bool Reads(Caller caller, SecurityGroup group, SecurityGroupRule rule) =>
        caller.Reads(rule.Topic ?? group.Topic) || caller.InProject(group.Topic);

    /// <summary>The rule if the caller sees it (404 otherwise); with <paramref name="change"/> it must also be a member of the rule's project (403).</summary>
    async Task<(SecurityGroup, SecurityGroupRule)> FindAsync(Caller caller, string id, string? change = null)
    {
        foreach (var g in (await plugin.Nb.ListAsync<SecurityGroup>()).Items)
            if (g.Rules.FirstOrDefault(r => r.Id == id) is { } rule && Reads(caller, g, rule))
            {
                if (change is not null)
                    Access.Require(caller.Writes(rule.Topic ?? g.Topic), change);
                return (g, rule);
            }
        throw NeutronErrors.NotFound("Security group rule", id);
    }

    static bool SameRule(SecurityGroupRule a, SecurityGroupRule b) =>
        a.Direction == b.Direction && a.Ethertype == b.Ethertype && a.Protocol == b.Protocol
        && a.PortRangeMin == b.PortRangeMin && a.PortRangeMax == b.PortRangeMax
        && a.RemoteIpPrefix == b.RemoteIpPrefix && a.RemoteGroupId == b.RemoteGroupId;
}
