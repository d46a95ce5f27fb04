using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Server.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Dragonflow.Server.Api;

/// <summary>
/// Neutron's list query: <c>attr=value</c> filters on any attribute (a repeated filter matches
/// any of its values; a list attribute matches if it contains the value), <c>fields=</c>
/// selection, tag filters (tags, tags-any, not-tags, not-tags-any), and limit/marker paging.
/// </summary>
sealed class ListQuery
{
    static readonly HashSet<string> Reserved = ["fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse", "tags", "tags-any", "not-tags", "not-tags-any"];

    readonly List<(string Name, StringValues Values)> _filters = [];
    readonly HashSet<string>? _fields;
    readonly IQueryCollection _query;

    public ListQuery(IQueryCollection query)
    {
        _query = query;
        foreach (var (name, values) in query)
        {
            if (!Reserved.Contains(name))
                _filters.Add((name, values));
        }
        _fields = Fields(query);
    }

    /// <summary>fields=a&amp;fields=b or fields=a,b; id is always shown, as Neutron does for lists.</summary>
    public static HashSet<string>? Fields(IQueryCollection query)
    {
        if (!query.TryGetValue("fields", out var values))
            return null;
        var set = values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet();
        return set.Count == 0 ? null : set;
    }

    public static JsonObject Select(JsonObject item, HashSet<string>? fields)
    {
        if (fields is null)
            return item;
        var o = new JsonObject();
        foreach (var f in fields)
            if (item.TryGetPropertyValue(f, out var v))
                o[f] = v?.DeepClone();
        return o;
    }

    /// <summary>Writes <c>{"key": [...]}</c>: the views that pass the filters, whole or reduced to the fields asked for.</summary>
    public void Write(System.Text.Json.Utf8JsonWriter writer, string key, IEnumerable<RenderedView> views)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(key);
        writer.WriteStartArray();
        foreach (var view in Apply(views, v => v.Tree))
        {
            if (_fields is null)
                writer.WriteRawValue(view.Json, skipInputValidation: true);
            else
                Select(view.Tree, _fields).WriteTo(writer);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public JsonArray Apply(IEnumerable<JsonObject> items) =>
        new(Apply(items, i => i).Select(i => (JsonNode?)(_fields is null ? i.DeepClone() : Select(i, _fields))).ToArray());

    List<TItem> Apply<TItem>(IEnumerable<TItem> source, Func<TItem, JsonObject> tree)
    {
        var result = new List<TItem>();
        var limit = Limit();
        var marker = _query["marker"].FirstOrDefault();
        var afterMarker = marker is null;
        var count = 0;
        foreach (var source1 in source)
        {
            var item = tree(source1);
            if (!afterMarker)
            {
                afterMarker = (string?)item["id"] == marker;
                continue;
            }
            if (!Matches(item))
                continue;
            result.Add(source1);
            if (++count == limit)
                break;
        }
        return result;
    }

    int? Limit()
    {
        var text = _query["limit"].FirstOrDefault();
        if (text is null)
            return null;
        return int.TryParse(text, out var n) && n >= 0
            ? (n == 0 ? null : n)
            : throw NeutronErrors.BadRequest($"Limit must be an integer 0 or greater and not '{text}'");
    }

    bool Matches(JsonObject item)
    {
        foreach (var (name, values) in _filters)
        {
            if (!item.TryGetPropertyValue(name, out var actual))
                throw NeutronErrors.BadRequest($"[{name}] is invalid attribute for filtering");
            if (!values.Any(v => ValueMatches(name, actual, v ?? "")))
                return false;
        }
        var tags = item["tags"] as JsonArray;
        var have = tags?.Select(t => (string?)t).ToHashSet() ?? [];
        if (TagList("tags") is { } all && !all.All(have.Contains)) return false;
        if (TagList("tags-any") is { } any && !any.Any(have.Contains)) return false;
        if (TagList("not-tags") is { } notAll && notAll.All(have.Contains)) return false;
        if (TagList("not-tags-any") is { } notAny && notAny.Any(have.Contains)) return false;
        return true;
    }

    List<string>? TagList(string name) =>
        _query.TryGetValue(name, out var v) ? v.SelectMany(s => (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList() : null;

    static bool ValueMatches(string name, JsonNode? actual, string wanted)
    {
        switch (actual)
        {
            case null:
                return wanted is "" or "None" or "null";
            case JsonArray array when name == "fixed_ips":
                // fixed_ips=ip_address=X / fixed_ips=subnet_id=Y
                var eq = wanted.IndexOf('=');
                if (eq < 0) return false;
                var (key, value) = (wanted[..eq], wanted[(eq + 1)..]);
                return array.OfType<JsonObject>().Any(o => (string?)o[key] == value);
            case JsonArray array:
                return array.Any(e => e is not null && Scalar(e, wanted));
            case JsonObject:
                return false;
            default:
                return Scalar(actual, wanted);
        }
    }

    static bool Scalar(JsonNode node, string wanted) => node.GetValueKind() switch
    {
        JsonValueKind.True => wanted.Equals("true", StringComparison.OrdinalIgnoreCase) || wanted == "1",
        JsonValueKind.False => wanted.Equals("false", StringComparison.OrdinalIgnoreCase) || wanted == "0",
        JsonValueKind.String => node.GetValue<string>() == wanted,
        JsonValueKind.Number => node.ToJsonString() == wanted,
        _ => false,
    };
}
