using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Dragonflow.Server.Api;

/// <summary>
/// Neutron's sorting of a list: <c>sort_key</c> and <c>sort_dir</c> given in pairs (repeatable),
/// every key an attribute with a single value, every direction asc or desc; id is the last key,
/// so the order is total and a marker names one place in it. Nulls sort first, as in Neutron.
/// </summary>
sealed class ListOrder : IComparer<JsonObject>
{
    const string Ascending = "asc";
    const string Descending = "desc";

    readonly List<(string Key, bool Ascending)> _keys;

    ListOrder(List<(string, bool)> keys) => _keys = keys;

    /// <summary>Whether the request asked for an order (sorting emulated on the views).</summary>
    public bool Requested { get; private init; }

    public static ListOrder Of(IQueryCollection query)
    {
        var keys = Values(query, "sort_key");
        var dirs = Values(query, "sort_dir");
        if (keys.Count != dirs.Count)
            throw NeutronErrors.BadRequest("The number of sort_keys and sort_dirs must be same");
        if (dirs.Where(d => d is not (Ascending or Descending)).ToList() is [_, ..] invalid)
            throw NeutronErrors.BadRequest($"{PythonList(invalid)} is invalid value for sort_dirs, valid value is '{Ascending}' and '{Descending}'");
        var pairs = keys.Zip(dirs, (k, d) => (k, d == Ascending)).ToList();
        if (!pairs.Any(p => p.k == "id"))
            pairs.Add(("id", true));
        return new ListOrder(pairs) { Requested = keys.Count > 0 };
    }

    /// <summary>Refuses keys that are not attributes of the resource, or that hold lists or objects.</summary>
    public void Check(JsonObject sample)
    {
        var absent = _keys.Select(k => k.Key).Where(k => !sample.TryGetPropertyValue(k, out var v) || v is JsonArray or JsonObject).ToList();
        if (absent.Count > 0)
            throw NeutronErrors.BadRequest($"{PythonList(absent)} is invalid attribute for sort_keys");
    }

    public int Compare(JsonObject? x, JsonObject? y)
    {
        foreach (var (key, ascending) in _keys)
        {
            var c = CompareValues(x?[key], y?[key]);
            if (c != 0)
                return ascending ? c : -c;
        }
        return 0;
    }

    static int CompareValues(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
            return (a is null ? 0 : 1) - (b is null ? 0 : 1);
        var (ka, kb) = (a.GetValueKind(), b.GetValueKind());
        if (ka == JsonValueKind.Number && kb == JsonValueKind.Number)
            return Number(a).CompareTo(Number(b));
        if (ka is JsonValueKind.True or JsonValueKind.False && kb is JsonValueKind.True or JsonValueKind.False)
            return (ka == JsonValueKind.True).CompareTo(kb == JsonValueKind.True);
        return string.CompareOrdinal(Text(a), Text(b));
    }

    // Views hold numbers as int, long or double values: compare them by their JSON text's value.
    static double Number(JsonNode n) => double.Parse(n.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    static string Text(JsonNode n) => n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : n.ToJsonString();

    static List<string> Values(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var v) ? v.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList() : [];

    /// <summary>A list as Neutron's messages print it: ['a', 'b'].</summary>
    static string PythonList(IEnumerable<string> items) => $"[{string.Join(", ", items.Select(i => $"'{i}'"))}]";
}
