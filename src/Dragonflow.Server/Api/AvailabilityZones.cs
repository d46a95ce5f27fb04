using System.Text.Json.Nodes;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dragonflow.Server.Api;

/// <summary>
/// Availability zones (extensions availability_zone, network_availability_zone,
/// router_availability_zone): one zone, <c>nova</c>, holding every network and router, since
/// every chassis serves every network and distributed router. Hints naming another zone are
/// Neutron's 404 AvailabilityZoneNotFound.
/// </summary>
static class AvailabilityZones
{
    public const string Zone = "nova";

    const int MaxHintLength = 255;

    static readonly string[] Resources = ["network", "router"];

    /// <summary>The zones a network or router is in.</summary>
    public static JsonArray Of() => [Zone];

    /// <summary>availability_zone_hints of a create body: a list of distinct known zone names; none when absent.</summary>
    public static List<string> Hints(Input body)
    {
        var hints = body.StringList("availability_zone_hints") ?? [];
        foreach (var hint in hints)
        {
            if (hint.Length > MaxHintLength)
                throw NeutronErrors.InvalidInput($"'{hint[..16]}...' exceeds maximum length of {MaxHintLength}");
            if (hint != Zone)
                throw new NeutronException(404, "AvailabilityZoneNotFound", $"AvailabilityZone {hint} could not be found.");
        }
        if (hints.Distinct().Count() != hints.Count)
            throw NeutronErrors.InvalidInput($"Duplicate items in the list: '{string.Join(", ", hints)}'");
        return hints;
    }

    static readonly JsonObject Sample = new() { ["name"] = "", ["resource"] = "", ["state"] = "" };

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/v2.0/availability_zones", (HttpContext ctx) =>
        {
            var query = new ListQuery(ctx.Request, "AvailabilityZone", WithId(Sample));
            var zones = Resources.Select(r => WithId(new JsonObject { ["name"] = Zone, ["resource"] = r, ["state"] = "available" }));
            var body = query.Body("availability_zones", zones);
            foreach (var zone in body["availability_zones"]!.AsArray().OfType<JsonObject>())
                zone.Remove("id");
            return Results.Json(body);
        });

    /// <summary>Lists order and page on an id; a zone's is its name and resource (not shown).</summary>
    static JsonObject WithId(JsonObject zone)
    {
        zone["id"] = $"{zone["name"]}/{zone["resource"]}";
        return zone;
    }
}
