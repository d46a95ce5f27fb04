using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dragonflow.Ovsdb.Data;

/// <summary>
/// A column value (RFC 7047 §5.1): a set of atoms (a bare atom is a set of one) or a map of
/// atom pairs. Sets and maps compare regardless of element order. Conversions from string,
/// long, bool and Guid make single values easy to write.
/// </summary>
public sealed class OvsdbDatum : IEquatable<OvsdbDatum>
{
    private static readonly IReadOnlyList<OvsdbAtom> NoAtoms = Array.Empty<OvsdbAtom>();
    private static readonly IReadOnlyList<KeyValuePair<OvsdbAtom, OvsdbAtom>> NoPairs = Array.Empty<KeyValuePair<OvsdbAtom, OvsdbAtom>>();

    private OvsdbDatum(IReadOnlyList<OvsdbAtom> elements, IReadOnlyList<KeyValuePair<OvsdbAtom, OvsdbAtom>>? pairs)
    {
        Elements = elements;
        Pairs = pairs ?? NoPairs;
        IsMap = pairs is not null;
    }

    /// <summary>The empty set (also the value of an optional column that is unset).</summary>
    public static OvsdbDatum EmptySet { get; } = new(NoAtoms, null);

    public static OvsdbDatum EmptyMap { get; } = new(NoAtoms, NoPairs);

    public bool IsMap { get; }

    /// <summary>Elements of a set (empty for a map).</summary>
    public IReadOnlyList<OvsdbAtom> Elements { get; }

    /// <summary>Pairs of a map (empty for a set).</summary>
    public IReadOnlyList<KeyValuePair<OvsdbAtom, OvsdbAtom>> Pairs { get; }

    public int Count => IsMap ? Pairs.Count : Elements.Count;

    public static OvsdbDatum Atom(OvsdbAtom atom) => new(new[] { atom }, null);

    public static OvsdbDatum Set(params OvsdbAtom[] atoms) => new(atoms.Distinct().ToArray(), null);

    public static OvsdbDatum Set(IEnumerable<OvsdbAtom> atoms) => new(atoms.Distinct().ToArray(), null);

    public static OvsdbDatum Map(IEnumerable<KeyValuePair<OvsdbAtom, OvsdbAtom>> pairs)
    {
        var dict = new Dictionary<OvsdbAtom, OvsdbAtom>();
        foreach (var (k, v) in pairs) dict[k] = v;
        return new(NoAtoms, dict.ToArray());
    }

    public static OvsdbDatum Map(IEnumerable<KeyValuePair<string, string>> pairs) =>
        Map(pairs.Select(p => KeyValuePair.Create(OvsdbAtom.String(p.Key), OvsdbAtom.String(p.Value))));

    public static OvsdbDatum UuidSet(IEnumerable<Guid> uuids) => Set(uuids.Select(OvsdbAtom.Uuid));

    public static implicit operator OvsdbDatum(OvsdbAtom atom) => Atom(atom);
    public static implicit operator OvsdbDatum(string v) => Atom(v);
    public static implicit operator OvsdbDatum(long v) => Atom(v);
    public static implicit operator OvsdbDatum(bool v) => Atom(v);
    public static implicit operator OvsdbDatum(Guid v) => Atom(v);

    // ---- reading -------------------------------------------------------------------------

    /// <summary>The single string, or null when the set is empty.</summary>
    public string? AsString() => Elements.Count == 0 ? null : Elements[0].AsString();

    /// <summary>The single integer, or null when the set is empty (an unset optional column).</summary>
    public long? AsInteger() => Elements.Count == 0 ? null : Elements[0].AsInteger();

    public bool? AsBoolean() => Elements.Count == 0 ? null : Elements[0].AsBoolean();

    public Guid? AsUuid() => Elements.Count == 0 ? null : Elements[0].AsUuid();

    public IReadOnlyList<string> AsStrings() => Elements.Select(e => e.AsString()).ToArray();

    public IReadOnlyList<Guid> AsUuids() => Elements.Select(e => e.AsUuid()).ToArray();

    public IReadOnlyDictionary<string, string> AsStringMap() =>
        Pairs.ToDictionary(p => p.Key.AsString(), p => p.Value.AsString());

    // ---- JSON (RFC 7047 §5.1) -------------------------------------------------------------

    public JsonNode ToJson()
    {
        if (IsMap)
            return new JsonArray("map", new JsonArray(Pairs.Select(p => (JsonNode)new JsonArray(p.Key.ToJson(), p.Value.ToJson())).ToArray()));
        if (Elements.Count == 1) return Elements[0].ToJson();
        return new JsonArray("set", new JsonArray(Elements.Select(e => (JsonNode?)e.ToJson()).ToArray()));
    }

    public static OvsdbDatum FromJson(JsonNode? node)
    {
        if (OvsdbAtom.IsAtom(node)) return Atom(OvsdbAtom.FromJson(node));
        if (node is JsonArray { Count: 2 } a && a[0] is JsonValue tag && tag.GetValueKind() == JsonValueKind.String
            && a[1] is JsonArray items)
        {
            switch (tag.GetValue<string>())
            {
                case "set":
                    return new OvsdbDatum(items.Select(OvsdbAtom.FromJson).ToArray(), null);
                case "map":
                    var pairs = new List<KeyValuePair<OvsdbAtom, OvsdbAtom>>(items.Count);
                    foreach (var item in items)
                    {
                        if (item is not JsonArray { Count: 2 } pair)
                            throw new OvsdbProtocolException($"bad map pair: {OvsdbAtom.Truncate(item)}");
                        pairs.Add(KeyValuePair.Create(OvsdbAtom.FromJson(pair[0]), OvsdbAtom.FromJson(pair[1])));
                    }
                    return new OvsdbDatum(NoAtoms, pairs);
            }
        }
        throw new OvsdbProtocolException($"not an OVSDB datum: {OvsdbAtom.Truncate(node)}");
    }

    // ---- update2 diffs (ovsdb-server(7) §4.1.14) -------------------------------------------

    /// <summary>
    /// Applies a "modify" difference of an update2 notification: a scalar column takes the new
    /// value; a set takes the symmetric difference; a map adds keys it lacks, removes keys whose
    /// value equals the diff's, and replaces the value of the others.
    /// </summary>
    public OvsdbDatum ApplyDiff(OvsdbDatum diff, ColumnType type)
    {
        if (type.IsScalar) return diff;
        if (type.IsMap)
        {
            var result = Pairs.ToDictionary(p => p.Key, p => p.Value);
            foreach (var (k, v) in diff.Pairs)
            {
                if (result.TryGetValue(k, out var old) && old.Equals(v)) result.Remove(k);
                else result[k] = v;
            }
            return new OvsdbDatum(NoAtoms, result.ToArray());
        }
        var set = new HashSet<OvsdbAtom>(Elements);
        set.SymmetricExceptWith(diff.Elements);
        return new OvsdbDatum(set.ToArray(), null);
    }

    // ---- equality ------------------------------------------------------------------------

    public bool Equals(OvsdbDatum? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (IsMap != other.IsMap && Count + other.Count > 0) return false;
        if (Count != other.Count) return false;
        if (IsMap)
        {
            var d = other.Pairs.ToDictionary(p => p.Key, p => p.Value);
            return Pairs.All(p => d.TryGetValue(p.Key, out var v) && v.Equals(p.Value));
        }
        return new HashSet<OvsdbAtom>(Elements).SetEquals(other.Elements);
    }

    public override bool Equals(object? obj) => Equals(obj as OvsdbDatum);

    public override int GetHashCode()
    {
        var h = 0;
        if (IsMap) foreach (var (k, v) in Pairs) h ^= HashCode.Combine(k, v);
        else foreach (var e in Elements) h ^= e.GetHashCode();
        return h;
    }

    public override string ToString() => ToJson().ToJsonString();
}
