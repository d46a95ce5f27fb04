using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dragonflow.Ovsdb.Data;

/// <summary>A database schema as returned by get_schema (RFC 7047 §3.2); only what a client needs.</summary>
public sealed record DatabaseSchema(string Name, string? Version, IReadOnlyDictionary<string, TableSchema> Tables)
{
    public TableSchema Table(string name) =>
        Tables.TryGetValue(name, out var t) ? t : throw new OvsdbException($"database {Name} has no table {name}");

    public static DatabaseSchema FromJson(JsonNode? node)
    {
        if (node is not JsonObject o || o["name"] is not JsonValue name || o["tables"] is not JsonObject tables)
            throw new OvsdbProtocolException($"not a database schema: {OvsdbAtom.Truncate(node)}");
        var t = new Dictionary<string, TableSchema>();
        foreach (var (tableName, tableNode) in tables)
        {
            if (tableNode?["columns"] is not JsonObject cols)
                throw new OvsdbProtocolException($"table {tableName} has no columns");
            var columns = cols.ToDictionary(c => c.Key, c => new ColumnSchema(c.Key, ColumnType.FromJson(c.Value?["type"])));
            var isRoot = tableNode["isRoot"] is JsonValue r && r.GetValueKind() == JsonValueKind.True;
            t[tableName] = new TableSchema(tableName, columns, isRoot);
        }
        return new DatabaseSchema(name.GetValue<string>(), o["version"]?.GetValue<string>(), t);
    }
}

public sealed record TableSchema(string Name, IReadOnlyDictionary<string, ColumnSchema> Columns, bool IsRoot)
{
    /// <summary>The column's type; the implicit _uuid/_version columns are uuids.</summary>
    public ColumnType ColumnTypeOf(string column) =>
        Columns.TryGetValue(column, out var c) ? c.Type
        : column is "_uuid" or "_version" ? ColumnType.UuidScalar
        : throw new OvsdbException($"table {Name} has no column {column}");
}

public sealed record ColumnSchema(string Name, ColumnType Type);

/// <summary>
/// RFC 7047 §3.2 &lt;type&gt;: key (and for maps value) base types with min/max counts.
/// A column is a scalar when it holds exactly one key; an optional value (min 0, max 1) is a set.
/// </summary>
public sealed record ColumnType(AtomKind Key, AtomKind? Value, int Min, int? Max)
{
    public static ColumnType UuidScalar { get; } = new(AtomKind.Uuid, null, 1, 1);

    public bool IsMap => Value is not null;
    public bool IsScalar => !IsMap && Min == 1 && Max == 1;

    /// <summary>The value a column has when unset (what update2 leaves out).</summary>
    public OvsdbDatum DefaultValue() => IsMap ? OvsdbDatum.EmptyMap : !IsScalar ? OvsdbDatum.EmptySet : Key switch
    {
        AtomKind.Integer => OvsdbAtom.Integer(0),
        AtomKind.Real => OvsdbAtom.Real(0),
        AtomKind.Boolean => OvsdbAtom.Boolean(false),
        AtomKind.String => OvsdbAtom.String(""),
        _ => OvsdbAtom.Uuid(Guid.Empty),
    };

    public static ColumnType FromJson(JsonNode? node)
    {
        if (node is JsonValue) return new ColumnType(BaseType(node), null, 1, 1);
        if (node is not JsonObject o) throw new OvsdbProtocolException($"bad column type: {OvsdbAtom.Truncate(node)}");
        var key = BaseType(o["key"]);
        AtomKind? value = o["value"] is null ? null : BaseType(o["value"]);
        var min = o["min"] is JsonValue mn ? mn.GetValue<int>() : 1;
        int? max = o["max"] switch
        {
            JsonValue mx when mx.GetValueKind() == JsonValueKind.String => null, // "unlimited"
            JsonValue mx => mx.GetValue<int>(),
            _ => 1,
        };
        return new ColumnType(key, value, min, max);
    }

    private static AtomKind BaseType(JsonNode? node)
    {
        var name = node switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonObject o when o["type"] is JsonValue t => t.GetValue<string>(),
            _ => throw new OvsdbProtocolException($"bad base type: {OvsdbAtom.Truncate(node)}"),
        };
        return name switch
        {
            "integer" => AtomKind.Integer,
            "real" => AtomKind.Real,
            "boolean" => AtomKind.Boolean,
            "string" => AtomKind.String,
            "uuid" => AtomKind.Uuid,
            _ => throw new OvsdbProtocolException($"unknown atomic type {name}"),
        };
    }
}
