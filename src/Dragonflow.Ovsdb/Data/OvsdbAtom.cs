using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dragonflow.Ovsdb.Data;

public enum AtomKind
{
    Integer,
    Real,
    Boolean,
    String,
    Uuid,

    /// <summary>A reference to a row inserted earlier in the same transaction (RFC 7047 §5.1 &lt;named-uuid&gt;).</summary>
    NamedUuid,
}

/// <summary>
/// One OVSDB atom (RFC 7047 §5.1): integer, real, boolean, string, ["uuid", "..."] or
/// ["named-uuid", "..."]. Values compare by kind and value.
/// </summary>
public readonly record struct OvsdbAtom
{
    private OvsdbAtom(AtomKind kind, object value)
    {
        Kind = kind;
        Value = value;
    }

    public AtomKind Kind { get; }

    /// <summary>long, double, bool, string (also for named uuids) or Guid.</summary>
    public object Value { get; }

    public static OvsdbAtom Integer(long v) => new(AtomKind.Integer, v);
    public static OvsdbAtom Real(double v) => new(AtomKind.Real, v);
    public static OvsdbAtom Boolean(bool v) => new(AtomKind.Boolean, v);
    public static OvsdbAtom String(string v) => new(AtomKind.String, v ?? throw new ArgumentNullException(nameof(v)));
    public static OvsdbAtom Uuid(Guid v) => new(AtomKind.Uuid, v);
    public static OvsdbAtom NamedUuid(string name) => new(AtomKind.NamedUuid, name);

    public static implicit operator OvsdbAtom(string v) => String(v);
    public static implicit operator OvsdbAtom(long v) => Integer(v);
    public static implicit operator OvsdbAtom(bool v) => Boolean(v);
    public static implicit operator OvsdbAtom(Guid v) => Uuid(v);

    public string AsString() => Kind is AtomKind.String or AtomKind.NamedUuid ? (string)Value : Convert.ToString(Value, CultureInfo.InvariantCulture)!;
    public long AsInteger() => Kind == AtomKind.Integer ? (long)Value : throw new InvalidCastException($"atom is {Kind}, not integer");
    public double AsReal() => Kind switch { AtomKind.Real => (double)Value, AtomKind.Integer => (long)Value, _ => throw new InvalidCastException($"atom is {Kind}, not real") };
    public bool AsBoolean() => Kind == AtomKind.Boolean ? (bool)Value : throw new InvalidCastException($"atom is {Kind}, not boolean");
    public Guid AsUuid() => Kind == AtomKind.Uuid ? (Guid)Value : throw new InvalidCastException($"atom is {Kind}, not uuid");

    public JsonNode ToJson() => Kind switch
    {
        AtomKind.Integer => JsonValue.Create((long)Value),
        AtomKind.Real => JsonValue.Create((double)Value),
        AtomKind.Boolean => JsonValue.Create((bool)Value),
        AtomKind.String => JsonValue.Create((string)Value),
        AtomKind.Uuid => new JsonArray("uuid", ((Guid)Value).ToString()),
        AtomKind.NamedUuid => new JsonArray("named-uuid", (string)Value),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>True when the JSON value is an atom rather than a ["set",...] or ["map",...].</summary>
    internal static bool IsAtom(JsonNode? node) =>
        node is JsonValue || node is JsonArray { Count: 2 } a && a[0] is JsonValue v && v.GetValueKind() == JsonValueKind.String
            && v.GetValue<string>() is "uuid" or "named-uuid";

    public static OvsdbAtom FromJson(JsonNode? node)
    {
        switch (node)
        {
            case JsonValue v:
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String: return String(v.GetValue<string>());
                    case JsonValueKind.True: return Boolean(true);
                    case JsonValueKind.False: return Boolean(false);
                    case JsonValueKind.Number:
                        var text = v.ToJsonString();
                        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return Integer(l);
                        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return Real(d);
                        break;
                }
                break;
            case JsonArray { Count: 2 } a when a[0] is JsonValue tag && tag.GetValueKind() == JsonValueKind.String
                                             && a[1] is JsonValue s && s.GetValueKind() == JsonValueKind.String:
                var tagName = tag.GetValue<string>();
                if (tagName == "uuid" && Guid.TryParse(s.GetValue<string>(), out var g)) return Uuid(g);
                if (tagName == "named-uuid") return NamedUuid(s.GetValue<string>());
                break;
        }
        throw new OvsdbProtocolException($"not an OVSDB atom: {Truncate(node)}");
    }

    internal static string Truncate(JsonNode? node)
    {
        var s = node?.ToJsonString() ?? "null";
        return s.Length > 200 ? s[..200] + "..." : s;
    }

    public override string ToString() => Kind switch
    {
        AtomKind.Uuid => ((Guid)Value).ToString(),
        AtomKind.NamedUuid => "@" + Value,
        AtomKind.Boolean => (bool)Value ? "true" : "false",
        _ => Convert.ToString(Value, CultureInfo.InvariantCulture)!,
    };
}
