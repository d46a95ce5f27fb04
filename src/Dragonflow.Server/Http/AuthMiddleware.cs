using Dragonflow.Server.Api;
using Dragonflow.Server.Auth;
using Dragonflow.Server.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Server.Http;

/// <summary>
/// Establishes the <see cref="Caller"/> of every request. Version discovery (<c>GET /</c>) needs no
/// token, as in Neutron; everything under /v2.0 needs a valid <c>X-Auth-Token</c> when an
/// authenticator is set (401 with its <c>WWW-Authenticate</c> challenge otherwise; 503 when Keystone
/// cannot tell).
/// </summary>
sealed class AuthMiddleware(RequestDelegate next, IAuthenticator? authenticator, string defaultProject, ILogger logger)
{
    const string TokenHeader = "X-Auth-Token";

    public async Task InvokeAsync(HttpContext context)
    {
        if (authenticator is null)
        {
            Caller.NoAuth(context, defaultProject).Attach(context);
        }
        else if (context.Request.Path.StartsWithSegments("/v2.0"))
        {
            Identity? identity;
            try
            {
                identity = await authenticator.AuthenticateAsync(context.Request.Headers[TokenHeader].FirstOrDefault(), context.RequestAborted);
            }
            catch (KeystoneUnavailableException e)
            {
                logger.LogWarning("{Method} {Path}: token not validated: {Error}", context.Request.Method, context.Request.Path, e.Message);
                throw NeutronErrors.ServiceUnavailable("The authentication service is unavailable; try again later.");
            }
            if (identity is null)
            {
                if (authenticator.Challenge is { } challenge)
                    context.Response.Headers.WWWAuthenticate = challenge;
                throw NeutronErrors.Unauthorized();
            }
            new Caller(identity).Attach(context);
        }
        await next(context);
    }
}
