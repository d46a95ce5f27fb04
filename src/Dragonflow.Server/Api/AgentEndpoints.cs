using System.Text.Json.Nodes;
using Dragonflow.Server.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dragonflow.Server.Api;

/// <summary>
/// <c>GET /v2.0/agents</c>: always empty. The chassis' controllers read the NB database
/// themselves and report to no Neutron agent table, so the agent extension is not listed; the
/// collection still answers, empty, as clients list it to find agents before acting on them.
/// Its filters are checked against an agent's attributes like any list's.
/// </summary>
static class AgentEndpoints
{
    const string Collection = "agents";

    static readonly JsonObject Sample = new()
    {
        ["id"] = "", ["agent_type"] = "", ["binary"] = "", ["topic"] = "", ["host"] = "", ["admin_state_up"] = true,
        ["alive"] = true, ["availability_zone"] = null, ["configurations"] = new JsonObject(), ["created_at"] = "",
        ["started_at"] = "", ["heartbeat_timestamp"] = "", ["description"] = null, ["resources_synced"] = null,
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet($"/v2.0/{Collection}", (HttpContext ctx) =>
            Results.Json(new ListQuery(ctx.Request, "Agent", Sample).Body(Collection, [])));
        app.MapGet($"/v2.0/{Collection}/{{id}}", IResult (string id) =>
            throw new NeutronException(404, "AgentNotFound", $"Agent {id} could not be found."));
    }
}
