using Dragonflow.Model;
using Microsoft.Data.Sqlite;

namespace Dragonflow.NorthDb.Drivers.Sqlite;

/// <summary>
/// One open connection with its statements prepared once. Not thread safe: the driver hands a
/// session to one caller at a time.
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    private readonly SqliteConnection _connection;

    public SqliteSession(string connectionString, int busyTimeoutMs)
    {
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        Execute($"PRAGMA busy_timeout={busyTimeoutMs}");
        // WAL lets readers run while one process writes; NORMAL sync is crash safe in WAL mode
        // (a power cut may lose the last commits, never corrupts the file).
        Execute("PRAGMA synchronous=NORMAL");

        Begin = Prepare("BEGIN IMMEDIATE");
        Commit = Prepare("COMMIT");
        Rollback = Prepare("ROLLBACK");
        NextRevision = Prepare("UPDATE nb_meta SET value = value + 1 WHERE name = 'revision' RETURNING value");
        Get = Prepare("SELECT value, revision, topic FROM nb_kv WHERE key = $key", "$key");
        Insert = Prepare(
            "INSERT INTO nb_kv (key, tbl, id, topic, value, revision) VALUES ($key, $tbl, $id, $topic, $value, $rev) ON CONFLICT (key) DO NOTHING",
            "$key", "$tbl", "$id", "$topic", "$value", "$rev");
        Update = Prepare(
            "UPDATE nb_kv SET value = $value, topic = $topic, revision = $rev WHERE key = $key AND revision = $expected",
            "$key", "$topic", "$value", "$rev", "$expected");
        Delete = Prepare(
            "DELETE FROM nb_kv WHERE key = $key AND ($expected IS NULL OR revision = $expected) RETURNING value, revision, topic",
            "$key", "$expected");
        List = Prepare("SELECT id, value, revision, topic FROM nb_kv WHERE tbl = $tbl ORDER BY id", "$tbl");
        ListByTopic = Prepare("SELECT id, value, revision, topic FROM nb_kv WHERE tbl = $tbl AND topic = $topic ORDER BY id", "$tbl", "$topic");
        ListIds = Prepare("SELECT id FROM nb_kv WHERE tbl = $tbl ORDER BY id", "$tbl");
        ListIdsByTopic = Prepare("SELECT id FROM nb_kv WHERE tbl = $tbl AND topic = $topic ORDER BY id", "$tbl", "$topic");
        // The counter is an ordinary NB row so that `db dump unique_key` shows it; JSON1 bumps it in place.
        AllocateUniqueKey = Prepare(
            $"""
            INSERT INTO nb_kv (key, tbl, id, topic, value, revision)
            VALUES ($key, '{NbTables.Names.UniqueKey}', $id, NULL, json_object('id', $id, 'version', 1, 'value', 1), $rev)
            ON CONFLICT (key) DO UPDATE SET
                value = json_set(nb_kv.value,
                                 '$.value', json_extract(nb_kv.value, '$.value') + 1,
                                 '$.version', coalesce(json_extract(nb_kv.value, '$.version'), 0) + 1),
                revision = excluded.revision
            RETURNING json_extract(value, '$.value')
            """,
            "$key", "$id", "$rev");
    }

    public SqliteCommand Begin { get; }
    public SqliteCommand Commit { get; }
    public SqliteCommand Rollback { get; }
    public SqliteCommand NextRevision { get; }
    public SqliteCommand Get { get; }
    public SqliteCommand Insert { get; }
    public SqliteCommand Update { get; }
    public SqliteCommand Delete { get; }
    public SqliteCommand List { get; }
    public SqliteCommand ListByTopic { get; }
    public SqliteCommand ListIds { get; }
    public SqliteCommand ListIdsByTopic { get; }
    public SqliteCommand AllocateUniqueKey { get; }

    /// <summary>Creates the schema if this is a new file; safe when several processes race to do it.</summary>
    public static void EnsureSchema(string connectionString, int busyTimeoutMs)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        Run(connection, $"PRAGMA busy_timeout={busyTimeoutMs}");
        Run(connection, "PRAGMA journal_mode=WAL");
        Run(connection, "BEGIN IMMEDIATE");
        Run(connection, """
            CREATE TABLE IF NOT EXISTS nb_kv (
                key      TEXT PRIMARY KEY,
                tbl      TEXT NOT NULL,
                id       TEXT NOT NULL,
                topic    TEXT,
                value    TEXT NOT NULL,
                revision INTEGER NOT NULL
            ) WITHOUT ROWID
            """);
        Run(connection, "CREATE INDEX IF NOT EXISTS nb_kv_tbl_topic ON nb_kv (tbl, topic, id)");
        Run(connection, "CREATE TABLE IF NOT EXISTS nb_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
        Run(connection, "INSERT OR IGNORE INTO nb_meta (name, value) VALUES ('revision', 0)");
        Run(connection, "COMMIT");
    }

    public void Execute(string sql) => Run(_connection, sql);

    public static void Set(SqliteCommand command, string name, object? value) =>
        command.Parameters[name].Value = value ?? DBNull.Value;

    private static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        }
        command.Prepare();
        return command;
    }

    public void Dispose() => _connection.Dispose();
}
