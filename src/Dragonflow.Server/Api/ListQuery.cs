using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Server.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Dragonflow.Server.Api;

/// <summary>
/// Neutron's list query: <c>attr=value</c> filters on any attribute (a repeated filter matches
/// any of its values; a list attribute matches if it contains the value), <c>fields=</c>
/// selection, tag filters (tags, tags-any, not-tags, not-tags-any), sorting
/// (<see cref="ListOrder"/>) and Neutron's pagination: <c>limit</c>, <c>marker</c> (the id of
/// the last item seen; the page holds the items after it in the list's order) and
/// <c>page_reverse</c> (the items before it), with <c>{collection}_links</c> next/previous
/// hrefs built as Neutron builds them.
/// </summary>
sealed class ListQuery
{
    static readonly HashSet<string> Reserved = ["fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse", "tags", "tags-any", "not-tags", "not-tags-any", ChangedSince];

    /// <summary>standard-attr-timestamp's filter: items updated at or after the time given.</summary>
    const string ChangedSince = "changed_since";

    readonly DateTimeOffset? _changedSince;

    readonly List<(string Name, StringValues Values)> _filters = [];
    readonly HashSet<string>? _fields;
    readonly IQueryCollection _query;
    readonly HttpRequest _request;
    readonly string _noun;
    readonly ListOrder _order;
    readonly int? _limit;
    readonly bool _pageReverse;

    /// <param name="noun">Neutron's name of the resource in a marker's NotFound, e.g. Network.</param>
    /// <param name="sample">A view of the resource: filters and sort keys are checked against its
    /// attributes before any item is read, so an empty list refuses them too (filter-validation).</param>
    /// <param name="hiddenFilters">Filters on attributes the view does not show (a subnet's
    /// shared); the caller applies them, the query only lets them through.</param>
    public ListQuery(HttpRequest request, string noun, JsonObject sample, IReadOnlyCollection<string>? hiddenFilters = null)
    {
        var query = request.Query;
        _request = request;
        _noun = noun;
        _query = query;
        _order = ListOrder.Of(query);
        _limit = Limit();
        _pageReverse = string.Equals(query["page_reverse"].FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase);
        foreach (var (name, values) in query)
        {
            if (!Reserved.Contains(name) && hiddenFilters?.Contains(name) != true)
                _filters.Add((name, values));
        }
        _fields = Fields(query);
        _changedSince = Since(query[ChangedSince].FirstOrDefault());
        foreach (var (name, _) in _filters)
            if (!sample.ContainsKey(name))
                throw NeutronErrors.BadRequest($"[{name}] is invalid attribute for filtering");
        _order.Check(sample);
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

    /// <summary>
    /// Writes <c>{"key": [...]}</c>: the views that pass the filters, in the order and page asked
    /// for, whole or reduced to the fields asked for; with a limit, also <c>key_links</c>.
    /// </summary>
    public void Write(System.Text.Json.Utf8JsonWriter writer, string key, IEnumerable<RenderedView> views)
    {
        var (page, links) = Apply(views, v => v.Tree);
        writer.WriteStartObject();
        writer.WritePropertyName(key);
        writer.WriteStartArray();
        foreach (var view in page)
        {
            if (_fields is null)
                writer.WriteRawValue(view.Json, skipInputValidation: true);
            else
                Select(view.Tree, _fields).WriteTo(writer);
        }
        writer.WriteEndArray();
        if (links is not null)
        {
            writer.WritePropertyName(key + "_links");
            links.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    /// <summary>The list body <c>{"key": [...], "key_links": [...]}</c> of in-memory views.</summary>
    public JsonObject Body(string key, IEnumerable<JsonObject> items)
    {
        var (page, links) = Apply(items, i => i);
        var body = new JsonObject { [key] = new JsonArray(page.Select(i => (JsonNode?)(_fields is null ? i.DeepClone() : Select(i, _fields))).ToArray()) };
        if (links is not null)
            body[key + "_links"] = links;
        return body;
    }

    (List<TItem> Page, JsonArray? Links) Apply<TItem>(IEnumerable<TItem> source, Func<TItem, JsonObject> tree)
    {
        var marker = _query["marker"].FirstOrDefault();
        var paged = _limit is not null || marker is not null;
        if (!_order.Requested && !paged)
            return (source.Where(i => Matches(tree(i))).ToList(), null);
        var all = source.ToList();
        var comparer = Comparer<TItem>.Create((a, b) => _order.Compare(tree(a), tree(b)));
        all.Sort(comparer);
        // The marker is an item the caller sees; the page starts next to it (before it with page_reverse).
        IEnumerable<TItem> candidates = all;
        if (marker is not null)
        {
            var at = all.FindIndex(i => (string?)tree(i)["id"] == marker);
            if (at < 0)
                throw NeutronErrors.NotFound(_noun, marker);
            candidates = _pageReverse ? all.Take(at).Reverse() : all.Skip(at + 1);
        }
        else if (_pageReverse)
        {
            candidates = Enumerable.Reverse(all);
        }
        var page = new List<TItem>();
        foreach (var item in candidates)
        {
            if (!Matches(tree(item)))
                continue;
            page.Add(item);
            if (page.Count == _limit)
                break;
        }
        if (_pageReverse)
            page.Reverse();
        return (page, _limit is { } limit ? Links(page.Select(i => (string?)tree(i)["id"]).ToList(), limit) : null);
    }

    /// <summary>
    /// Neutron's links: next unless a forward page came back short, previous unless a reverse
    /// page did; each the request's URL with the marker moved to the page's last (first) item.
    /// </summary>
    JsonArray Links(List<string?> ids, int limit)
    {
        var links = new JsonArray();
        var shortPage = ids.Count < limit;
        if (!(shortPage && !_pageReverse))
            links.Add(new JsonObject { ["rel"] = "next", ["href"] = Href(ids.LastOrDefault(), reverse: false) });
        if (!(shortPage && _pageReverse))
            links.Add(new JsonObject { ["rel"] = "previous", ["href"] = Href(ids.FirstOrDefault(), reverse: true) });
        return links;
    }

    string Href(string? marker, bool reverse)
    {
        var pairs = new List<(string, string)>();
        foreach (var (name, values) in _query)
        {
            if (name is "marker" or "page_reverse")
                continue;
            foreach (var v in values)
                pairs.Add((name, v ?? ""));
        }
        if (marker is not null)
            pairs.Add(("marker", marker));
        if (reverse)
            pairs.Add(("page_reverse", "True"));
        var r = _request;
        var query = string.Join('&', pairs.Select(p => $"{System.Net.WebUtility.UrlEncode(p.Item1)}={System.Net.WebUtility.UrlEncode(p.Item2)}"));
        return $"{r.Scheme}://{r.Host}{r.PathBase}{r.Path}?{query}";
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

    static DateTimeOffset? Since(string? text)
    {
        if (text is null)
            return null;
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw NeutronErrors.InvalidInput("The input changed_since must be in the following format: YYYY-MM-DDTHH:MM:SS");
    }

    bool Matches(JsonObject item)
    {
        if (_changedSince is { } since
            && !(DateTimeOffset.TryParse((string?)item["updated_at"], System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var updated) && updated >= since))
            return false;
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
