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
/// /v2.0/rbac-policies (extension rbac-policies) for networks: access_as_shared lets the target
/// project (or <c>*</c>, everyone) see the network and put ports on it; access_as_external makes
/// it an external network for the target. Only the network's project (or an admin) grants; only
/// admins grant to everyone. A policy for everyone is the network's shared (or router:external)
/// attribute, so the two stay in step.
/// </summary>
sealed class RbacPolicyEndpoints(CorePlugin plugin)
{
    public const string Collection = "rbac-policies";
    const string Member = "rbac_policy";
    const string BodyCollection = "rbac_policies";

    static readonly string[] Attributes = ["object_type", "object_id", "action", "target_tenant", "project_id", "tenant_id"];
    static readonly string[] Actions = [RbacPolicy.AccessAsShared, RbacPolicy.AccessAsExternal];

    public static JsonObject View(RbacPolicy p) => new()
    {
        ["id"] = p.Id,
        ["project_id"] = p.Topic,
        ["tenant_id"] = p.Topic,
        ["object_type"] = p.ObjectType,
        ["object_id"] = p.ObjectId,
        ["action"] = p.Action,
        ["target_tenant"] = p.TargetTenant,
    };

    public void Map(IEndpointRouteBuilder app, string defaultProject)
    {
        var path = $"/v2.0/{Collection}";
        app.MapGet(path, async (HttpContext ctx) =>
        {
            var query = new ListQuery(ctx.Request, "RbacPolicy", View(new RbacPolicy()));
            var caller = Caller.Of(ctx, defaultProject);
            var policies = (await plugin.Nb.ListAsync<RbacPolicy>()).Items.Where(p => caller.Reads(p.Topic));
            return Results.Json(query.Body(BodyCollection, policies.Select(View)));
        });
        app.MapGet(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var policy = await FindAsync(Caller.Of(ctx, defaultProject), id);
            return Results.Json(new JsonObject { [Member] = ListQuery.Select(View(policy), ListQuery.Fields(ctx.Request.Query)) });
        });
        app.MapPost(path, async (HttpContext ctx) =>
        {
            var root = await RequestBody.ReadObjectAsync(ctx.Request);
            var caller = Caller.Of(ctx, defaultProject);
            if (BulkBody.Items(root, BodyCollection, Member) is { } items)
            {
                var created = await BulkCreate.RunAsync(items, item => CreateAsync(caller, new Input(item)), UndoAsync, plugin.Log);
                return Results.Json(new JsonObject { [BodyCollection] = new JsonArray([.. created.Select(p => (JsonNode)View(p))]) }, statusCode: 201);
            }
            var policy = await CreateAsync(caller, new Input(RequestBody.ResourceOf(root, Member)));
            return Results.Json(new JsonObject { [Member] = View(policy) }, statusCode: 201);
        });
        app.MapPut(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var body = new Input(await RequestBody.ReadResourceAsync(ctx.Request, Member)).Only(Attributes)
                .ReadOnly("object_type", "object_id", "action", "project_id", "tenant_id");
            var caller = Caller.Of(ctx, defaultProject);
            var policy = await FindAsync(caller, id);
            Access.Require(caller.Writes(policy.Topic), "update_rbac_policy");
            if (body.String("target_tenant") is not { } target || target == policy.TargetTenant)
                return Results.Json(new JsonObject { [Member] = View(policy) });
            CheckTarget(caller, target, "update_rbac_policy");
            var net = await plugin.Nb.TryGetAsync<LogicalSwitch>(policy.ObjectId)
                ?? throw NeutronErrors.NotFound("Network", policy.ObjectId);
            var grants = await NetworkGrants.LoadAsync(plugin.Nb);
            if (grants.Of(net.Id).Any(p => p.Action == policy.Action && p.TargetTenant == target))
                throw NetworkRbac.Duplicate();
            await NetworkRbac.CheckRemovableAsync(plugin, policy, net, grants, target);
            var before = policy.TargetTenant;
            var updated = await plugin.Nb.UpdateAsync<RbacPolicy>(policy.Id, p => p.TargetTenant = target);
            if (policy.Action == RbacPolicy.AccessAsShared && (before == RbacPolicy.Everyone || target == RbacPolicy.Everyone))
                await plugin.Nb.UpdateAsync<LogicalSwitch>(net.Id, n => n.Shared = target == RbacPolicy.Everyone);
            return Results.Json(new JsonObject { [Member] = View(updated) });
        });
        app.MapDelete(path + "/{id}", async (HttpContext ctx, string id) =>
        {
            var caller = Caller.Of(ctx, defaultProject);
            var policy = await FindAsync(caller, id);
            Access.Require(caller.Writes(policy.Topic), "delete_rbac_policy");
            await RemoveAsync(policy, checkInUse: true);
            return Results.NoContent();
        });
    }

    async Task<RbacPolicy> FindAsync(Caller caller, string id)
    {
        var policy = await plugin.Nb.TryGetAsync<RbacPolicy>(id);
        if (policy is null || !caller.Reads(policy.Topic))
            throw new NeutronException(404, "RbacPolicyNotFound", $"RBAC policy of type {policy?.ObjectType ?? "unknown"} with ID {id} not found");
        return policy;
    }

    /// <summary>Only admins name everyone as the target (create/update_rbac_policy:target_tenant).</summary>
    static void CheckTarget(Caller caller, string target, string action) =>
        Access.Require(caller.IsAdmin || target != RbacPolicy.Everyone, action, "target_tenant");

    async Task<RbacPolicy> CreateAsync(Caller caller, Input body)
    {
        body.Only(Attributes);
        var typeText = body.RequiredString("object_type");
        if (typeText.Trim().ToLowerInvariant() != RbacPolicy.NetworkType)
            throw NeutronErrors.InvalidInput($"'{typeText}' is not a valid RBAC object type");
        var objectId = body.RequiredString("object_id");
        if (!Guid.TryParse(objectId, out _))
            throw NeutronErrors.InvalidInput($"'{objectId}' is not a valid UUID");
        var action = body.RequiredString("action");
        var target = body.RequiredString("target_tenant");
        if (body.String("project_id") is { } p && body.String("tenant_id") is { } t && p != t)
            throw NeutronErrors.BadRequest("'project_id' and 'tenant_id' do not match");
        var project = body.String("project_id") ?? body.String("tenant_id") ?? caller.ProjectId;
        Access.RequireOwnProject(caller, project);
        Access.Require(caller.Writes(project), "create_rbac_policy");
        CheckTarget(caller, target, "create_rbac_policy");
        if (!Actions.Contains(action))
            throw NeutronErrors.InvalidInput(
                $"Invalid action '{action}' for object type '{RbacPolicy.NetworkType}'. Valid actions: ({string.Join(", ", Actions.Select(a => $"'{a}'"))})");
        var net = await Access.FindAsync<LogicalSwitch>(plugin, caller, objectId, "Network");
        if (!caller.IsAdmin && !caller.InProject(net.Topic))
            throw NeutronErrors.InvalidInput("Only admins can manipulate policies on networks they do not own");
        await plugin.Quotas.RequireRoomAsync("rbac_policy", [project]);
        var policy = await NetworkRbac.AddAsync(plugin, project, net.Id, action, target);
        try
        {
            // A policy for everyone is the network's shared attribute; one external policy makes it external.
            if (action == RbacPolicy.AccessAsShared && target == RbacPolicy.Everyone && !net.Shared)
                await plugin.Nb.UpdateAsync<LogicalSwitch>(net.Id, n => n.Shared = true);
            if (action == RbacPolicy.AccessAsExternal && !net.RouterExternal)
                await plugin.Nb.UpdateAsync<LogicalSwitch>(net.Id, n => n.RouterExternal = true);
            return policy;
        }
        catch
        {
            await UndoAsync(policy);
            throw;
        }
    }

    /// <summary>Takes back a policy of a failed (bulk) create, with what it did to the network's flags.</summary>
    Task UndoAsync(RbacPolicy policy) => plugin.Reservations.Undo.RunAsync(() => RemoveAsync(policy, checkInUse: false));

    async Task RemoveAsync(RbacPolicy policy, bool checkInUse)
    {
        var net = await plugin.Nb.TryGetAsync<LogicalSwitch>(policy.ObjectId);
        if (net is null)
        {
            await NetworkRbac.RemoveAsync(plugin, [policy]);
            return;
        }
        var grants = await NetworkGrants.LoadAsync(plugin.Nb);
        var lastExternal = policy.Action == RbacPolicy.AccessAsExternal
            && !grants.Of(net.Id).Any(p => p.Action == RbacPolicy.AccessAsExternal && p.Id != policy.Id);
        if (checkInUse)
        {
            await NetworkRbac.CheckRemovableAsync(plugin, policy, net, grants);
            if (lastExternal)
                await NetworkRbac.CheckNoGatewaysAsync(plugin, net);
        }
        await NetworkRbac.RemoveAsync(plugin, [policy]);
        // Without its policy for everyone a network is no longer shared; without any external policy, no longer external.
        if (policy.Action == RbacPolicy.AccessAsShared && policy.TargetTenant == RbacPolicy.Everyone)
            await plugin.Nb.UpdateAsync<LogicalSwitch>(net.Id, n => n.Shared = false);
        if (lastExternal)
            await plugin.Nb.UpdateAsync<LogicalSwitch>(net.Id, n => n.RouterExternal = false);
    }
}
