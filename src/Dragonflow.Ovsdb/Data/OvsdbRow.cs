using System.Collections;
using System.Text.Json.Nodes;

namespace Dragonflow.Ovsdb.Data;

/// <summary>
/// A row: column name to datum (RFC 7047 §5.1 &lt;row&gt;). Missing columns read as empty
/// sets/maps, which is how ovsdb-server leaves out default values in update2 notifications.
/// </summary>
public sealed class OvsdbRow : IReadOnlyDictionary<string, OvsdbDatum>
{
    private readonly Dictionary<string, OvsdbDatum> _columns;

    public OvsdbRow(IEnumerable<KeyValuePair<string, OvsdbDatum>> columns)
    {
        _columns = new Dictionary<string, OvsdbDatum>(columns);
    }

    public static OvsdbRow Empty { get; } = new(Array.Empty<KeyValuePair<string, OvsdbDatum>>());

    /// <summary>The row's "_uuid" column, when the server included it (select results do).</summary>
    public Guid? Uuid => _columns.TryGetValue("_uuid", out var d) ? d.AsUuid() : null;

    public OvsdbDatum this[string column] => _columns.TryGetValue(column, out var d) ? d : OvsdbDatum.EmptySet;

    public string? GetString(string column) => this[column].AsString();
    public long? GetInteger(string column) => this[column].AsInteger();
    public bool? GetBoolean(string column) => this[column].AsBoolean();
    public Guid? GetUuid(string column) => this[column].AsUuid();
    public IReadOnlyList<string> GetStrings(string column) => this[column].AsStrings();
    public IReadOnlyList<Guid> GetUuids(string column) => this[column].AsUuids();
    public IReadOnlyDictionary<string, string> GetStringMap(string column) => this[column].AsStringMap();

    public static OvsdbRow FromJson(JsonNode? node)
    {
        if (node is not JsonObject obj) throw new OvsdbProtocolException($"row is not an object: {OvsdbAtom.Truncate(node)}");
        return new OvsdbRow(obj.Select(p => KeyValuePair.Create(p.Key, OvsdbDatum.FromJson(p.Value))));
    }

    public JsonObject ToJson() => new(_columns.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value.ToJson())));

    /// <summary>This row with some columns replaced.</summary>
    public OvsdbRow With(IEnumerable<KeyValuePair<string, OvsdbDatum>> changes)
    {
        var d = new Dictionary<string, OvsdbDatum>(_columns);
        foreach (var (k, v) in changes) d[k] = v;
        return new OvsdbRow(d);
    }

    /// <summary>Same columns with equal values (a missing column equals an empty value).</summary>
    public bool SameAs(OvsdbRow other) =>
        _columns.Keys.Union(other._columns.Keys).All(k => this[k].Equals(other[k]));

    public int Count => _columns.Count;
    public IEnumerable<string> Keys => _columns.Keys;
    public IEnumerable<OvsdbDatum> Values => _columns.Values;
    public bool ContainsKey(string key) => _columns.ContainsKey(key);
    public bool TryGetValue(string key, out OvsdbDatum value) => _columns.TryGetValue(key, out value!);
    public IEnumerator<KeyValuePair<string, OvsdbDatum>> GetEnumerator() => _columns.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => ToJson().ToJsonString();
}
