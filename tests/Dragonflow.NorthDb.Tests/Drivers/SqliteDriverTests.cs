using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>The conformance suite against the embedded sqlite driver on a fresh file per test.</summary>
public sealed class SqliteDriverTests : NbDriverConformance, IDisposable
{
    private readonly ScratchDirectory _dir = new();

    private string DbPath => _dir.File("nb.db");

    protected override Task<INbDriver> OpenEmptyDatabaseAsync() => Task.FromResult<INbDriver>(new SqliteNbDriver(DbPath));

    protected override Task<INbDriver> OpenSameDatabaseAsync() => Task.FromResult<INbDriver>(new SqliteNbDriver(DbPath));

    protected override NbOptions FactoryOptions => new() { NbDbClass = "sqlite", NbDbPath = DbPath };

    /// <summary>A directory where the database file should be.</summary>
    protected override (Func<INbDriver> Open, string Where) Unreachable() => (() => new SqliteNbDriver(_dir.Path), _dir.Path);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task TheFileIsInWalMode()
    {
        await Driver.CreateAsync("lport", "p", "1", null);
        using var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath}");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
    }
}
