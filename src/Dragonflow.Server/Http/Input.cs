using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Http;

/// <summary>
/// Typed, validating access to one resource body. Every accessor refuses a value of the wrong
/// type with Neutron's 400 InvalidInput, so handlers never see malformed data.
/// </summary>
sealed class Input(JsonObject body)
{
    public JsonObject Body { get; } = body;

    public bool Has(string name) => Body.ContainsKey(name);

    /// <summary>Refuses attributes the resource does not have, as Neutron does.</summary>
    public Input Only(IReadOnlyCollection<string> allowed)
    {
        var unknown = Body.Select(p => p.Key).Where(k => !allowed.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw NeutronErrors.BadRequest($"Unrecognized attribute(s) '{string.Join(", ", unknown)}'");
        return this;
    }

    /// <summary>Refuses attributes that may not change after create.</summary>
    public Input ReadOnly(params string[] names)
    {
        foreach (var name in names)
            if (Has(name))
                throw NeutronErrors.BadRequest($"Cannot update read-only attribute {name}");
        return this;
    }

    public string? String(string name, int maxLength = 255)
    {
        var node = Body[name];
        if (node is null)
            return null;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            throw NeutronErrors.InvalidInput($"'{node.ToJsonString(ApiJson.Options)}' is not a valid string");
        var s = v.GetValue<string>();
        if (s.Length > maxLength)
            throw NeutronErrors.InvalidInput($"'{s}' exceeds maximum length of {maxLength}");
        return s;
    }

    public string RequiredString(string name, int maxLength = 255) =>
        String(name, maxLength) ?? throw NeutronErrors.BadRequest($"Failed to parse request. Required attribute '{name}' not specified");

    /// <summary>Neutron converts "true"/"false" strings too.</summary>
    public bool? Bool(string name)
    {
        var node = Body[name];
        if (node is null)
            return null;
        if (node is JsonValue v)
        {
            switch (v.GetValueKind())
            {
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.String when bool.TryParse(v.GetValue<string>(), out var b): return b;
            }
        }
        throw NeutronErrors.InvalidInput($"'{node.ToJsonString(ApiJson.Options)}' is not a valid boolean value");
    }

    public int? Int(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var node = Body[name];
        if (node is null)
            return null;
        int value;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n))
            value = n;
        else if (node is JsonValue s && s.GetValueKind() == JsonValueKind.String && int.TryParse(s.GetValue<string>(), out var p))
            value = p;
        else
            throw NeutronErrors.InvalidInput($"'{node.ToJsonString(ApiJson.Options)}' is not an integer");
        if (value < min || value > max)
            throw NeutronErrors.InvalidInput($"'{value}' is not in range {min} through {max}");
        return value;
    }

    public JsonArray? Array(string name)
    {
        var node = Body[name];
        if (node is null)
            return null;
        return node as JsonArray ?? throw NeutronErrors.InvalidInput($"'{node.ToJsonString(ApiJson.Options)}' is not a list");
    }

    public List<string>? StringList(string name)
    {
        var array = Array(name);
        if (array is null)
            return null;
        var list = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                throw NeutronErrors.InvalidInput($"'{item?.ToJsonString(ApiJson.Options) ?? "null"}' is not a valid string");
            list.Add(v.GetValue<string>());
        }
        if (list.Distinct().Count() != list.Count)
            throw NeutronErrors.InvalidInput($"Duplicate items in the list: '{string.Join(", ", list)}'");
        return list;
    }

    /// <summary>An object inside a list item, field by field.</summary>
    public static Input Item(JsonNode? node, string what) =>
        node is JsonObject o ? new Input(o) : throw NeutronErrors.InvalidInput($"'{node?.ToJsonString(ApiJson.Options) ?? "null"}' is not a valid {what}");

    public IPAddress? Ip(string name)
    {
        var s = String(name, 64);
        if (s is null)
            return null;
        return ParseIp(s);
    }

    public static IPAddress ParseIp(string s) =>
        TryParseIp(s, out var ip) ? ip : throw NeutronErrors.InvalidInput($"'{s}' is not a valid IP address");

    /// <summary>A full address only: no zone, no shorthand IPv4 such as "10.1" or "256" that IPAddress would accept.</summary>
    public static bool TryParseIp(string s, out IPAddress ip)
    {
        ip = IPAddress.None;
        return !s.Contains('%') && (s.Contains(':') || s.Count(c => c == '.') == 3) && IPAddress.TryParse(s, out ip!);
    }
}
