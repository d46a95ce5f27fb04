using Microsoft.Data.Sqlite;

namespace Dragonflow.NorthDb.Tests.Api;

/// <summary>Writes straight into the sqlite NB file, past every check, as a damaged DB would look.</summary>
internal static class RawSqlite
{
    public static void Put(string path, string table, string id, string value, string? topic = null)
    {
        using var conn = new SqliteConnection($"Data Source={path};Pooling=False");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "INSERT OR REPLACE INTO nb_kv (key, tbl, id, topic, value, revision) VALUES ($key, $tbl, $id, $topic, $value, 999999)";
        cmd.Parameters.AddWithValue("$key", $"/openstack/{table}/{id}");
        cmd.Parameters.AddWithValue("$tbl", table);
        cmd.Parameters.AddWithValue("$id", id);
        cmd.Parameters.AddWithValue("$topic", (object?)topic ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$value", value);
        cmd.ExecuteNonQuery();
    }
}
