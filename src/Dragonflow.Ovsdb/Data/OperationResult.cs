using System.Text.Json.Nodes;

namespace Dragonflow.Ovsdb.Data;

/// <summary>The result of one successful operation (RFC 7047 §5.2): uuid for insert, count for
/// update/mutate/delete, rows for select; empty for wait/comment/commit.</summary>
public sealed record OperationResult(Guid? Uuid, int? Count, IReadOnlyList<OvsdbRow> Rows)
{
    internal static OperationResult FromJson(JsonObject o)
    {
        Guid? uuid = o["uuid"] is { } u ? OvsdbAtom.FromJson(u).AsUuid() : null;
        int? count = o["count"] switch
        {
            null => null,
            JsonValue c when c.TryGetValue<int>(out var n) => n,
            var other => throw new OvsdbProtocolException($"bad count {OvsdbAtom.Truncate(other)}"),
        };
        var rows = o["rows"] is JsonArray r ? r.Select(OvsdbRow.FromJson).ToArray() : Array.Empty<OvsdbRow>();
        return new OperationResult(uuid, count, rows);
    }
}
