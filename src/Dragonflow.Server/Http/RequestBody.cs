using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Dragonflow.Server.Http;

/// <summary>Reads a request body as <c>{"&lt;resource&gt;": {...}}</c>, refusing anything else with a 400.</summary>
static class RequestBody
{
    const int MaxBytes = 1 << 20;

    public static async Task<JsonObject> ReadResourceAsync(HttpRequest request, string resource) =>
        ResourceOf(await ReadObjectAsync(request), resource);

    /// <summary>The object under <paramref name="resource"/> of a parsed body.</summary>
    public static JsonObject ResourceOf(JsonObject root, string resource) =>
        root[resource] as JsonObject ?? throw NeutronErrors.BadRequest($"Resource body required: expected an object under '{resource}'.");

    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBytes)
            throw NeutronErrors.BadRequest("Request body too large.");
        using var buffer = new MemoryStream();
        // Also bounded when the client sends no Content-Length (chunked).
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBytes)
                throw NeutronErrors.BadRequest("Request body too large.");
        }
        if (buffer.Length == 0)
            throw NeutronErrors.MalformedBody("the body is empty");
        try
        {
            return JsonNode.Parse(buffer.ToArray()) as JsonObject
                ?? throw NeutronErrors.MalformedBody("the body is not a JSON object");
        }
        catch (JsonException e)
        {
            throw NeutronErrors.MalformedBody(e.Message);
        }
    }
}
