using Dragonflow.Server.Api;
using Dragonflow.Server.Auth;
using Dragonflow.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Dragonflow.Server.Http;

/// <summary>
/// Establishes the <see cref="Caller"/> of every request. Version discovery (<c>GET /</c>) needs no
/// token, as in Neutron; everything under /v2.0 needs a known <c>X-Auth-Token</c> when tokens are on.
/// </summary>
sealed class AuthMiddleware(RequestDelegate next, StaticTokens? tokens, string defaultProject)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (tokens is null)
        {
            Caller.NoAuth(context, defaultProject).Attach(context);
        }
        else if (context.Request.Path.StartsWithSegments("/v2.0"))
        {
            var grant = tokens.Find(context.Request.Headers["X-Auth-Token"].FirstOrDefault())
                ?? throw NeutronErrors.Unauthorized();
            new Caller(grant).Attach(context);
        }
        return next(context);
    }
}
