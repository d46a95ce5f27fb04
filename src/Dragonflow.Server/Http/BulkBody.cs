using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Http;

/// <summary>
/// A bulk create body, <c>{"networks": [{...}, {...}]}</c>, refused as Neutron's
/// prepare_request_body refuses it: the collection key decides (it wins over the member key),
/// an empty or false-like value is "Resources required", and an item may be the attributes or
/// <c>{"network": {...}}</c>.
/// </summary>
static class BulkBody
{
    /// <summary>The items' attribute objects; null when <paramref name="root"/> is not a bulk body.</summary>
    public static IReadOnlyList<JsonObject>? Items(JsonObject root, string collection, string resource)
    {
        if (!root.TryGetPropertyValue(collection, out var value))
            return null;
        if (IsEmpty(value))
            throw NeutronErrors.BadRequest("Resources required");
        if (value is not JsonArray items)
            throw Invalid(value, resource);
        return items.Select(item => item is JsonObject o && o.TryGetPropertyValue(resource, out var wrapped)
            ? Wrapped(wrapped, resource)
            : item as JsonObject ?? throw Invalid(item, resource)).ToList();
    }

    static JsonObject Wrapped(JsonNode? value, string resource) => value switch
    {
        JsonObject o => o,
        null => throw NeutronErrors.BadRequest($"Unable to find '{resource}' in request body"),
        _ => throw NeutronErrors.BadRequest($"Object '{resource}' contains invalid data"),
    };

    /// <summary>What Python finds false: null, [], {}, "", 0, false.</summary>
    static bool IsEmpty(JsonNode? value) => value switch
    {
        null => true,
        JsonArray a => a.Count == 0,
        JsonObject o => o.Count == 0,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>().Length == 0,
            JsonValueKind.False => true,
            JsonValueKind.Number => v.TryGetValue<double>(out var n) && n == 0,
            _ => false,
        },
        _ => false,
    };

    /// <summary>
    /// Neutron wraps a text or container item as the resource and finds it no object; iterating
    /// a number, a boolean or null fails earlier, as a body that is no body at all.
    /// </summary>
    static NeutronException Invalid(JsonNode? item, string resource) =>
        item is JsonArray or JsonObject || item?.GetValueKind() == JsonValueKind.String
            ? NeutronErrors.BadRequest($"Object '{resource}' contains invalid data")
            : NeutronErrors.BadRequest("Body contains invalid data");
}
