using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Server.Http;

/// <summary>
/// Turns every failure into Neutron's error body. A <see cref="NeutronException"/> keeps its status;
/// anything else is a bug, logged with the request, and answered 500 without internals.
/// </summary>
sealed class NeutronErrorMiddleware(RequestDelegate next, ILogger<NeutronErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (context.Response is { StatusCode: 404, HasStarted: false } && context.GetEndpoint() is null)
                await NeutronErrorBody.WriteAsync(context, NeutronErrors.ResourceNotFound(context.Request.Path));
            else if (context.Response is { StatusCode: 405, HasStarted: false })
                await NeutronErrorBody.WriteAsync(context, NeutronErrors.MethodNotAllowed(context.Request.Method));
        }
        catch (NeutronException e) when (!context.Response.HasStarted)
        {
            await NeutronErrorBody.WriteAsync(context, e);
        }
        catch (NbBackendUnavailableException e) when (!context.Response.HasStarted)
        {
            logger.LogWarning("{Method} {Path}: {Error}", context.Request.Method, context.Request.Path, e.Message);
            await NeutronErrorBody.WriteAsync(context, NeutronErrors.ServiceUnavailable("The NB database is unavailable; try again later."));
        }
        catch (OperationCanceledException e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // Not the client going away: a call below gave up waiting (a backend client's own
            // deadline), which is the NB database not answering in time.
            logger.LogWarning(e, "{Method} {Path}: cancelled without the client leaving", context.Request.Method, context.Request.Path);
            await NeutronErrorBody.WriteAsync(context, NeutronErrors.ServiceUnavailable("The NB database is unavailable; try again later."));
        }
        catch (NbKeyNotFoundException e) when (!context.Response.HasStarted)
        {
            // Deleted by someone else while this request was working on it.
            await NeutronErrorBody.WriteAsync(context, NeutronErrors.NotFound(NounOf(e.Table), e.Id ?? ""));
        }
        catch (NbVersionConflictException e) when (!context.Response.HasStarted)
        {
            await NeutronErrorBody.WriteAsync(context, NeutronErrors.Conflict("RevisionNumberConstraintFailed",
                $"Constrained to revision {e.Expected} but {e.Key} has changed concurrently; retry the request."));
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await NeutronErrorBody.WriteAsync(context, NeutronErrors.BadRequest(e.Message));
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            await NeutronErrorBody.WriteAsync(context,
                new NeutronException(500, "HTTPInternalServerError", "Request Failed: internal server error while processing your request."));
        }
    }

    static string NounOf(string? table) => table switch
    {
        NbTables.Names.Lswitch => "Network",
        NbTables.Names.Lsubnet => "Subnet",
        NbTables.Names.Lport => "Port",
        NbTables.Names.Lrouter => "Router",
        NbTables.Names.FloatingIp => "Floating IP",
        NbTables.Names.Lsecgroup => "Security group",
        _ => "Resource",
    };
}
