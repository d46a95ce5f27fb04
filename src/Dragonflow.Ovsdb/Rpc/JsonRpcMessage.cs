using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dragonflow.Ovsdb.Rpc;

internal enum JsonRpcMessageKind
{
    Request,
    Notification,
    Response,
}

/// <summary>A JSON-RPC 1.0 message as OVSDB uses it (RFC 7047 §4): request, notification
/// (a request whose id is null) or response.</summary>
internal sealed record JsonRpcMessage(JsonRpcMessageKind Kind, string? Method, JsonArray? Params, JsonNode? Id,
    JsonNode? Result, JsonNode? Error)
{
    private static readonly JsonNodeOptions NodeOptions = new();
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = Rpc.JsonFrameSplitter.MaxDepth + 1,
        // JsonNode would otherwise fail lazily, deep inside whoever first reads a duplicated name.
        AllowDuplicateProperties = false,
    };

    /// <exception cref="OvsdbProtocolException">Not a well-formed JSON-RPC message.</exception>
    public static JsonRpcMessage Parse(ReadOnlyMemory<byte> utf8)
    {
        // JsonNode transcodes strings lazily; reject invalid UTF-8 now rather than on first use.
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span)) throw new OvsdbProtocolException("message is not valid UTF-8");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8.Span, NodeOptions, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new OvsdbProtocolException($"malformed JSON: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            throw new OvsdbProtocolException($"malformed JSON: {ex.Message}", ex);
        }
        if (node is not JsonObject o) throw new OvsdbProtocolException("JSON-RPC message is not an object");

        var id = o["id"];
        if (o.ContainsKey("method"))
        {
            if (o["method"] is not JsonValue m || m.GetValueKind() != JsonValueKind.String)
                throw new OvsdbProtocolException("JSON-RPC method is not a string");
            if (o["params"] is not JsonArray p) throw new OvsdbProtocolException("JSON-RPC params is not an array");
            var isNotification = id is null;
            return new JsonRpcMessage(isNotification ? JsonRpcMessageKind.Notification : JsonRpcMessageKind.Request,
                m.GetValue<string>(), p, id, null, null);
        }
        if (id is not null && (o.ContainsKey("result") || o.ContainsKey("error")))
        {
            var error = o["error"];
            return new JsonRpcMessage(JsonRpcMessageKind.Response, null, null, id, o["result"], error);
        }
        throw new OvsdbProtocolException("JSON-RPC message is neither request, notification nor response");
    }
}
