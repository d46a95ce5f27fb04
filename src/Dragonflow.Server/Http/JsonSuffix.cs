using Microsoft.AspNetCore.Http;

namespace Dragonflow.Server.Http;

/// <summary>
/// Neutron's format suffix: <c>/v2.0/quotas/{id}/details.json</c> is <c>/v2.0/quotas/{id}/details</c>
/// (some clients still add it). Runs before routing, so every route takes it.
/// </summary>
static class JsonSuffix
{
    const string Suffix = ".json";

    public static Task Strip(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value;
        if (path is { Length: > 0 } && path.EndsWith(Suffix, StringComparison.Ordinal) && path.Length > Suffix.Length)
            context.Request.Path = new PathString(path[..^Suffix.Length]);
        return next(context);
    }
}
