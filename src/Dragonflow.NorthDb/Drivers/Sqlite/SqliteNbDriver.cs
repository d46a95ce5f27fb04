using System.Collections.Concurrent;
using Dragonflow.Model;
using Microsoft.Data.Sqlite;

namespace Dragonflow.NorthDb.Drivers.Sqlite;

/// <summary>
/// The embedded default NB driver: one SQLite file in WAL mode that several processes on one
/// host may share. Writes take the file's write lock with BEGIN IMMEDIATE (so a read-then-write
/// never upgrades and deadlocks) and wait up to the busy timeout for another process. Within a
/// process writes are serialised on one session, reads use a small pool of sessions; each
/// session keeps its connection and prepared statements for its lifetime.
/// </summary>
public sealed class SqliteNbDriver : INbDriver
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly SqliteSession _writer;
    private readonly Lock _writeLock = new();
    private readonly ConcurrentBag<SqliteSession> _readers = [];
    private int _disposed;

    public SqliteNbDriver(string path, TimeSpan? busyTimeout = null)
    {
        Path = path;
        _busyTimeoutMs = (int)(busyTimeout ?? TimeSpan.FromSeconds(30)).TotalMilliseconds;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = Math.Max(1, _busyTimeoutMs / 1000),
        }.ToString();
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        Guard(() =>
        {
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }
            SqliteSession.EnsureSchema(_connectionString, _busyTimeoutMs);
            return 0;
        });
        _writer = Guard(() => new SqliteSession(_connectionString, _busyTimeoutMs));
    }

    public string Name => "sqlite";

    public string Path { get; }

    public ValueTask<long> CreateAsync(string table, string id, string value, string? topic, CancellationToken cancellationToken = default) =>
        new(Write(s =>
        {
            var rev = NextRevision(s);
            var cmd = s.Insert;
            SqliteSession.Set(cmd, "$key", Dragonflow.Model.NbKey.For(table, id));
            SqliteSession.Set(cmd, "$tbl", table);
            SqliteSession.Set(cmd, "$id", id);
            SqliteSession.Set(cmd, "$topic", topic);
            SqliteSession.Set(cmd, "$value", value);
            SqliteSession.Set(cmd, "$rev", rev);
            if (cmd.ExecuteNonQuery() == 0)
            {
                throw new NbKeyExistsException(table, id);
            }
            return rev;
        }));

    public ValueTask<NbEntry?> GetAsync(string table, string id, CancellationToken cancellationToken = default) =>
        new(Read(s => ReadOne(s, table, id)));

    public ValueTask<long> UpdateAsync(string table, string id, string value, string? topic, long expectedRevision, CancellationToken cancellationToken = default) =>
        new(Write(s =>
        {
            var rev = NextRevision(s);
            var cmd = s.Update;
            SqliteSession.Set(cmd, "$key", Dragonflow.Model.NbKey.For(table, id));
            SqliteSession.Set(cmd, "$topic", topic);
            SqliteSession.Set(cmd, "$value", value);
            SqliteSession.Set(cmd, "$rev", rev);
            SqliteSession.Set(cmd, "$expected", expectedRevision);
            if (cmd.ExecuteNonQuery() == 0)
            {
                var current = ReadOne(s, table, id) ?? throw new NbKeyNotFoundException(table, id);
                throw new NbVersionConflictException(table, id, expectedRevision, current.Revision);
            }
            return rev;
        }));

    public ValueTask<NbEntry> DeleteAsync(string table, string id, long? expectedRevision = null, CancellationToken cancellationToken = default) =>
        new(Write(s =>
        {
            var cmd = s.Delete;
            SqliteSession.Set(cmd, "$key", Dragonflow.Model.NbKey.For(table, id));
            SqliteSession.Set(cmd, "$expected", expectedRevision);
            using (var reader = cmd.ExecuteReader())
            {
                if (reader.Read())
                {
                    return new NbEntry(table, id, reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2));
                }
            }
            var current = ReadOne(s, table, id) ?? throw new NbKeyNotFoundException(table, id);
            throw new NbVersionConflictException(table, id, expectedRevision ?? 0, current.Revision);
        }));

    public ValueTask<IReadOnlyList<NbEntry>> ListAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        new(Read<IReadOnlyList<NbEntry>>(s =>
        {
            var cmd = topic is null ? s.List : s.ListByTopic;
            SqliteSession.Set(cmd, "$tbl", table);
            if (topic is not null)
            {
                SqliteSession.Set(cmd, "$topic", topic);
            }
            var result = new List<NbEntry>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                result.Add(new NbEntry(table, reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
            return result;
        }));

    public ValueTask<IReadOnlyList<string>> ListIdsAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
        new(Read<IReadOnlyList<string>>(s =>
        {
            var cmd = topic is null ? s.ListIds : s.ListIdsByTopic;
            SqliteSession.Set(cmd, "$tbl", table);
            if (topic is not null)
            {
                SqliteSession.Set(cmd, "$topic", topic);
            }
            var result = new List<string>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                result.Add(reader.GetString(0));
            }
            return result;
        }));

    public ValueTask<long> AllocateUniqueKeyAsync(string table, CancellationToken cancellationToken = default) =>
        new(Write(s =>
        {
            var rev = NextRevision(s);
            var cmd = s.AllocateUniqueKey;
            SqliteSession.Set(cmd, "$key", Dragonflow.Model.NbKey.For(NbTables.UniqueKey.Name, table));
            SqliteSession.Set(cmd, "$id", table);
            SqliteSession.Set(cmd, "$rev", rev);
            try
            {
                return Convert.ToInt64(cmd.ExecuteScalar() ?? throw new InvalidOperationException("no value"), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is SqliteException { SqliteErrorCode: 1 } or InvalidCastException or FormatException or InvalidOperationException)
            {
                // SQLITE_ERROR from json_extract on a counter row that is not JSON.
                throw new NbCorruptValueException(NbTables.UniqueKey.Name, table, e.Message, e);
            }
        }));

    private static long NextRevision(SqliteSession s) => (long)s.NextRevision.ExecuteScalar()!;

    private static NbEntry? ReadOne(SqliteSession s, string table, string id)
    {
        var cmd = s.Get;
        SqliteSession.Set(cmd, "$key", Dragonflow.Model.NbKey.For(table, id));
        using var reader = cmd.ExecuteReader();
        return reader.Read()
            ? new NbEntry(table, id, reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    private T Write<T>(Func<SqliteSession, T> body)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        lock (_writeLock)
        {
            return Guard(() =>
            {
                _writer.Begin.ExecuteNonQuery();
                try
                {
                    var result = body(_writer);
                    _writer.Commit.ExecuteNonQuery();
                    return result;
                }
                catch
                {
                    _writer.Rollback.ExecuteNonQuery();
                    throw;
                }
            });
        }
    }

    private T Read<T>(Func<SqliteSession, T> body)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var session = _readers.TryTake(out var s) ? s : Guard(() => new SqliteSession(_connectionString, _busyTimeoutMs));
        try
        {
            return Guard(() => body(session));
        }
        finally
        {
            _readers.Add(session);
        }
    }

    /// <summary>Turns SQLite's own failures (busy, I/O, not a database) into the NB error type.</summary>
    private T Guard<T>(Func<T> body)
    {
        try
        {
            return body();
        }
        catch (SqliteException e)
        {
            throw new NbBackendUnavailableException(Name, $"{Path}: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new NbBackendUnavailableException(Name, $"{Path}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        lock (_writeLock)
        {
            _writer.Dispose();
        }
        while (_readers.TryTake(out var s))
        {
            s.Dispose();
        }
    }
}
