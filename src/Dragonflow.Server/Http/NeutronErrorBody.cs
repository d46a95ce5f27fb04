using System.Text.Json;
using Dragonflow.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Dragonflow.Server.Http;

/// <summary>Writes Neutron's error body for a <see cref="NeutronException"/>.</summary>
static class NeutronErrorBody
{
    public static Task WriteAsync(HttpContext context, NeutronException error)
    {
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            NeutronError = new { type = error.Type, message = error.Message, detail = error.Detail },
        }, ApiJson.Options));
    }
}
