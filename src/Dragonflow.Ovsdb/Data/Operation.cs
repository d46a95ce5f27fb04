using System.Text.Json.Nodes;

namespace Dragonflow.Ovsdb.Data;

/// <summary>
/// One operation of a transact request (RFC 7047 §5.2). Rows refer to rows inserted earlier
/// in the same transaction with <see cref="OvsdbAtom.NamedUuid"/> and the insert's uuidName.
/// </summary>
public sealed class Operation
{
    private Operation(string op, JsonObject json)
    {
        Op = op;
        json["op"] = op;
        Json = json;
    }

    public string Op { get; }
    internal JsonObject Json { get; }

    /// <summary>§5.2.1 insert; <paramref name="uuidName"/> names the new row for later operations.</summary>
    public static Operation Insert(string table, IEnumerable<KeyValuePair<string, OvsdbDatum>> row, string? uuidName = null)
    {
        var o = new JsonObject { ["table"] = table, ["row"] = RowJson(row) };
        if (uuidName is not null) o["uuid-name"] = uuidName;
        return new Operation("insert", o);
    }

    /// <summary>§5.2.2 select.</summary>
    public static Operation Select(string table, IEnumerable<Condition> where, IEnumerable<string>? columns = null)
    {
        var o = new JsonObject { ["table"] = table, ["where"] = WhereJson(where) };
        if (columns is not null) o["columns"] = new JsonArray(columns.Select(c => (JsonNode?)c).ToArray());
        return new Operation("select", o);
    }

    /// <summary>§5.2.3 update: sets the given columns of every matching row.</summary>
    public static Operation Update(string table, IEnumerable<Condition> where, IEnumerable<KeyValuePair<string, OvsdbDatum>> row) =>
        new("update", new JsonObject { ["table"] = table, ["where"] = WhereJson(where), ["row"] = RowJson(row) });

    /// <summary>§5.2.4 mutate.</summary>
    public static Operation Mutate(string table, IEnumerable<Condition> where, IEnumerable<Mutation> mutations) =>
        new("mutate", new JsonObject
        {
            ["table"] = table,
            ["where"] = WhereJson(where),
            ["mutations"] = new JsonArray(mutations.Select(m => (JsonNode?)m.ToJson()).ToArray()),
        });

    /// <summary>§5.2.5 delete.</summary>
    public static Operation Delete(string table, IEnumerable<Condition> where) =>
        new("delete", new JsonObject { ["table"] = table, ["where"] = WhereJson(where) });

    /// <summary>
    /// §5.2.6 wait: succeeds when the <paramref name="columns"/> of the rows matching
    /// <paramref name="where"/> are (<paramref name="equal"/>) or are not exactly
    /// <paramref name="rows"/>. With timeout 0 it is a precondition: the transaction fails
    /// with "timed out" instead of waiting.
    /// </summary>
    public static Operation Wait(string table, IEnumerable<Condition> where, IEnumerable<string> columns,
        bool equal, IEnumerable<IEnumerable<KeyValuePair<string, OvsdbDatum>>> rows, int? timeoutMs = null)
    {
        var o = new JsonObject
        {
            ["table"] = table,
            ["where"] = WhereJson(where),
            ["columns"] = new JsonArray(columns.Select(c => (JsonNode?)c).ToArray()),
            ["until"] = equal ? "==" : "!=",
            ["rows"] = new JsonArray(rows.Select(r => (JsonNode?)RowJson(r)).ToArray()),
        };
        if (timeoutMs is not null) o["timeout"] = timeoutMs.Value;
        return new Operation("wait", o);
    }

    /// <summary>Precondition: no row of <paramref name="table"/> matches <paramref name="where"/>.</summary>
    public static Operation WaitAbsent(string table, IEnumerable<Condition> where) =>
        Wait(table, where, new[] { "_uuid" }, equal: true, Array.Empty<IEnumerable<KeyValuePair<string, OvsdbDatum>>>(), timeoutMs: 0);

    /// <summary>§5.2.7 commit (durable = wait for the commit to reach disk).</summary>
    public static Operation Commit(bool durable) => new("commit", new JsonObject { ["durable"] = durable });

    /// <summary>§5.2.9 comment: shows up in the server's log for this transaction.</summary>
    public static Operation Comment(string comment) => new("comment", new JsonObject { ["comment"] = comment });

    private static JsonObject RowJson(IEnumerable<KeyValuePair<string, OvsdbDatum>> row) =>
        new(row.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value.ToJson())));

    private static JsonArray WhereJson(IEnumerable<Condition> where) =>
        new(where.Select(c => (JsonNode?)c.ToJson()).ToArray());

    public override string ToString() => Json.ToJsonString();
}

/// <summary>RFC 7047 §5.1 &lt;condition&gt;: [column, function, value].</summary>
public sealed record Condition(string Column, string Function, OvsdbDatum Value)
{
    public static Condition Equal(string column, OvsdbDatum value) => new(column, "==", value);
    public static Condition NotEqual(string column, OvsdbDatum value) => new(column, "!=", value);
    public static Condition Includes(string column, OvsdbDatum value) => new(column, "includes", value);
    public static Condition Excludes(string column, OvsdbDatum value) => new(column, "excludes", value);
    public static Condition IsRow(Guid uuid) => Equal("_uuid", OvsdbAtom.Uuid(uuid));

    /// <summary>The condition that every row satisfies (an empty where clause).</summary>
    public static IReadOnlyList<Condition> All { get; } = Array.Empty<Condition>();

    internal JsonArray ToJson() => new(Column, Function, Value.ToJson());
}

/// <summary>RFC 7047 §5.1 &lt;mutation&gt;: [column, mutator, value].</summary>
public sealed record Mutation(string Column, string Mutator, OvsdbDatum Value)
{
    /// <summary>Adds elements to a set or pairs to a map (existing map keys keep their value).</summary>
    public static Mutation Insert(string column, OvsdbDatum value) => new(column, "insert", value);

    /// <summary>Removes elements from a set; from a map, pairs (or keys, given a set).</summary>
    public static Mutation Delete(string column, OvsdbDatum value) => new(column, "delete", value);

    public static Mutation Add(string column, long value) => new(column, "+=", value);
    public static Mutation Subtract(string column, long value) => new(column, "-=", value);

    internal JsonArray ToJson() => new(Column, Mutator, Value.ToJson());
}
