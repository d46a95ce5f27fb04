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
/// extraroute-atomic: <c>PUT /v2.0/routers/{id}/add_extraroutes</c> and <c>remove_extraroutes</c>
/// change the routes by the ones given, in one write against the router's current routes, so
/// that two clients adding routes at once both keep theirs (a routes update replaces the list).
/// The answer is the router. Routes are checked as a routes update checks them.
/// </summary>
sealed partial class RouterEndpoints
{
    void MapExtraRoutes(IEndpointRouteBuilder app, string defaultProject)
    {
        foreach (var (verb, adding) in new[] { ("add_extraroutes", true), ("remove_extraroutes", false) })
        {
            app.MapPut($"/v2.0/routers/{{id}}/{verb}", async (HttpContext ctx, string id) =>
            {
                var body = new Input(await RequestBody.ReadResourceAsync(ctx.Request, Member)).Only(["routes"]);
                if (body.Array("routes") is null)
                    throw NeutronErrors.BadRequest("Failed to parse request. Required attribute 'routes' not specified");
                var caller = Caller.Of(ctx, defaultProject);
                var router = await GetAsync(caller, id, verb);
                var updated = await Plugin.Nb.UpdateAsync<LogicalRouter>(router.Id, current =>
                {
                    // Routes taken away need no reachable nexthop; they need only be well formed.
                    var given = Routes(body, current, checkNexthops: adding) ?? [];
                    current.Routes = adding
                        ? [.. current.Routes, .. given.Where(r => !current.Routes.Contains(r))]
                        : [.. current.Routes.Where(r => !given.Contains(r))];
                });
                LogWrite(updated, adding ? "routes added" : "routes removed", caller);
                return Results.Json(new JsonObject { [Member] = await ViewForAsync(caller, updated) });
            });
        }
    }
}
