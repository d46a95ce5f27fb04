using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dragonflow.Server.Api;

/// <summary>
/// Version discovery (<c>GET /</c>), the resource list (<c>GET /v2.0/</c>) and the extensions
/// (<c>GET /v2.0/extensions[/{alias}]</c>): what a client reads before anything else to learn what
/// this server speaks. Only what is implemented is advertised.
/// </summary>
static class DiscoveryEndpoints
{
    public static void Map(IEndpointRouteBuilder app, IReadOnlyList<string> collections, IReadOnlyList<NeutronExtension> extensions)
    {
        app.MapGet("/", (HttpRequest request) => Results.Json(new
        {
            versions = new[]
            {
                new { id = "v2.0", status = "CURRENT", links = new[] { new { href = BaseUrl(request) + "/v2.0/", rel = "self" } } },
            },
        }));

        app.MapGet("/v2.0", (HttpRequest request) => Results.Json(new
        {
            resources = collections.Select(c => new
            {
                name = c.EndsWith("ies", StringComparison.Ordinal) ? c[..^3] + "y" : c.TrimEnd('s'),
                collection = c,
                links = new[] { new { href = $"{BaseUrl(request)}/v2.0/{c}", rel = "self" } },
            }),
        }));

        app.MapGet("/v2.0/extensions", () => Results.Json(new { extensions }));
        app.MapGet("/v2.0/extensions/{alias}", (string alias) =>
            extensions.FirstOrDefault(e => e.Alias == alias) is { } extension
                ? Results.Json(new { extension })
                : throw Errors.NeutronErrors.ResourceNotFound($"Extension with alias {alias} does not exist"));
    }

    static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}";
}
