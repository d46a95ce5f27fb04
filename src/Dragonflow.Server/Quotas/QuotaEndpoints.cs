using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dragonflow.Server.Quotas;

/// <summary>
/// /v2.0/quotas (extensions quotas and quota_details): the projects with limits of their own
/// (admin only), a project's limits, the defaults, what it uses, and an admin setting or
/// dropping a project's own limits. Policy as Neutron's: get_quota is admin or the project's
/// reader; update_quota and delete_quota are admin only.
/// </summary>
static class QuotaEndpoints
{
    const string Path = "/v2.0/quotas";

    /// <summary>Neutron's project_id column.</summary>
    const int MaxProjectLength = 255;

    public static void Map(IEndpointRouteBuilder app, string defaultProject, NbApi nb, QuotaBook book)
    {
        app.MapGet(Path, async (HttpContext ctx) =>
        {
            var caller = Caller.Of(ctx, defaultProject);
            if (!caller.IsAdmin)
                throw new NeutronException(403, "AdminRequired", "User does not have admin privileges: Only admin can view or configure quota.");
            var quotas = new JsonArray();
            foreach (var own in await book.OwnAsync())
            {
                var item = Body(await book.LimitsAsync(own.Id));
                item["project_id"] = own.Id;
                item["tenant_id"] = own.Id;
                quotas.Add(item);
            }
            return Results.Json(new JsonObject { ["quotas"] = quotas });
        });
        app.MapGet(Path + "/{project}", async (HttpContext ctx, string project) =>
        {
            RequireReader(Caller.Of(ctx, defaultProject), project);
            return Results.Json(new JsonObject { ["quota"] = Body(await book.LimitsAsync(project)) });
        });
        app.MapGet(Path + "/{project}/default", (HttpContext ctx, string project) =>
        {
            RequireReader(Caller.Of(ctx, defaultProject), project);
            return Results.Json(new JsonObject { ["quota"] = Body(book.Defaults()) });
        });
        app.MapGet(Path + "/{project}/details", async (HttpContext ctx, string project) =>
        {
            RequireReader(Caller.Of(ctx, defaultProject), project);
            var limits = await book.LimitsAsync(project);
            var details = new JsonObject();
            foreach (var resource in QuotaBook.Resources)
                details[resource] = new JsonObject
                {
                    ["limit"] = limits[resource], ["used"] = await book.UsedAsync(project, resource), ["reserved"] = 0,
                };
            return Results.Json(new JsonObject { ["quota"] = details });
        });
        app.MapPut(Path + "/{project}", async (HttpContext ctx, string project) =>
        {
            var body = await RequestBody.ReadResourceAsync(ctx.Request, "quota");
            Access.RequireAdmin(Caller.Of(ctx, defaultProject), "update_quota");
            if (project.Length > MaxProjectLength)
                throw NeutronErrors.InvalidInput($"'{project[..16]}...' exceeds maximum length of {MaxProjectLength}");
            var changes = Limits(body);
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    if (await nb.TryGetAsync<ProjectQuota>(project) is { } own)
                    {
                        foreach (var (resource, limit) in changes)
                            own.Limits[resource] = limit;
                        await nb.UpdateAsync(own);
                    }
                    else
                    {
                        await nb.CreateAsync(new ProjectQuota { Id = project, Topic = project, Limits = new(changes) });
                    }
                    break;
                }
                catch (Exception e) when (e is NbVersionConflictException or NbKeyExistsException && attempt < 20)
                {
                    // Another admin wrote the same project's limits meanwhile: apply ours on theirs.
                }
            }
            return Results.Json(new JsonObject { ["quota"] = Body(await book.LimitsAsync(project)) });
        });
        app.MapDelete(Path + "/{project}", async (HttpContext ctx, string project) =>
        {
            Access.RequireAdmin(Caller.Of(ctx, defaultProject), "delete_quota");
            try
            {
                await nb.DeleteAsync<ProjectQuota>(project);
            }
            catch (NbKeyNotFoundException)
            {
                throw new NeutronException(404, "TenantQuotaNotFound", $"Quota for tenant {project} could not be found.");
            }
            return Results.NoContent();
        });
    }

    static void RequireReader(Caller caller, string project) => Access.Require(caller.Reads(project), "get_quota");

    static JsonObject Body(IReadOnlyDictionary<string, int> limits)
    {
        var o = new JsonObject();
        foreach (var resource in QuotaBook.Resources)
            o[resource] = limits[resource];
        return o;
    }

    /// <summary>The limits of an update body: known resources only, each an integer from -1 up (Neutron's convert_to_int and range).</summary>
    static Dictionary<string, int> Limits(JsonObject body)
    {
        var unknown = body.Select(kv => kv.Key).Where(k => !QuotaBook.Resources.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw NeutronErrors.BadRequest($"Unrecognized attribute(s) '{string.Join(", ", unknown)}'");
        var limits = new Dictionary<string, int>();
        foreach (var (resource, node) in body)
        {
            long? value = node switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) => n,
                JsonValue v when v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), out var n) => n,
                _ => null,
            };
            var text = node?.ToJsonString() ?? "None";
            if (value is null)
                throw NeutronErrors.InvalidInput($"Invalid input for {resource}. Reason: '{text.Trim('"')}' is not an integer.");
            if (value < QuotaBook.Unlimited)
                throw NeutronErrors.InvalidInput($"Invalid input for {resource}. Reason: '{value}' is too small - must be at least '{QuotaBook.Unlimited}'.");
            if (value > QuotaBook.MaxLimit)
                throw NeutronErrors.InvalidInput($"Invalid input for {resource}. Reason: '{value}' is too large - must be no larger than '{QuotaBook.MaxLimit}'.");
            limits[resource] = (int)value;
        }
        return limits;
    }
}
