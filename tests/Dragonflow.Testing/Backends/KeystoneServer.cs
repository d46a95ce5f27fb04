using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Testing.Backends;

/// <summary>
/// A real Keystone (Debian's package, on its own MariaDB, under uwsgi on 127.0.0.1) started by
/// scripts/keystone/up.sh in a directory of its own, for one test class. The script records every
/// pid it starts (in the directory and in DF_TEST_LEFTOVERS); <see cref="Dispose"/> stops them by
/// pid with scripts/keystone/down.sh, also when starting failed half way.
/// StopKeystone/StartKeystone stop and restart the uwsgi process only (same port, same database);
/// StopDatabase/StartDatabase the MariaDB under a running Keystone.
/// </summary>
public sealed class KeystoneServer : IDisposable
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "admin";
    public const string AdminProject = "admin";

    /// <summary>db_sync and bootstrap take a while on a busy machine.</summary>
    static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    readonly ScratchDirectory _dir = new("df-keystone-");
    readonly Dictionary<string, string> _environment;

    /// <param name="tokenExpiration">Keystone's [token] expiration: how long every token it issues lives.</param>
    public KeystoneServer(TimeSpan? tokenExpiration = null)
    {
        _environment = new Dictionary<string, string>
        {
            ["KEYSTONE_ADMIN_PASSWORD"] = AdminPassword,
            ["KEYSTONE_TOKEN_EXPIRATION"] = ((int)(tokenExpiration ?? TimeSpan.FromHours(1)).TotalSeconds).ToString(),
        };
        try
        {
            Url = new Uri(Up().TrimEnd('/') + "/v3");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Keystone's v3 API root, e.g. http://127.0.0.1:PORT/v3.</summary>
    public Uri Url { get; }

    public string Directory => _dir.Path;

    /// <summary>Stops Keystone's uwsgi process (by its recorded pid): Keystone is unreachable until <see cref="StartKeystone"/>.</summary>
    public void StopKeystone() => Down("uwsgi");

    /// <summary>Starts Keystone again on the same port and database.</summary>
    public void StartKeystone() => Up();

    /// <summary>Stops Keystone's MariaDB (by its recorded pid): Keystone still runs but answers 500.</summary>
    public void StopDatabase() => Down("mariadb");

    /// <summary>Starts the MariaDB again on the same data (Keystone reconnects by itself).</summary>
    public void StartDatabase() => Up();

    /// <summary>Freezes Keystone's uwsgi process (SIGSTOP by its recorded pid): connections are accepted, nothing is answered.</summary>
    public void FreezeKeystone() => Signal("-STOP");

    /// <summary>Lets a frozen Keystone go on (SIGCONT).</summary>
    public void ThawKeystone() => Signal("-CONT");

    void Signal(string signal)
    {
        var pid = File.ReadAllText(Path.Combine(_dir.Path, "uwsgi.pid")).Split(' ')[0];
        ProcessRunner.RunChecked("kill", signal, pid);
    }

    string Up() =>
        ProcessRunner.RunChecked(Script("up.sh"), [_dir.Path], StartTimeout, _environment).StdOut.Trim().Split('\n')[^1];

    void Down(params string[] names) =>
        ProcessRunner.RunChecked(Script("down.sh"), [_dir.Path, .. names], TimeSpan.FromSeconds(60));

    static string Script(string name) => Path.Combine(RepositoryRoot.Path, "scripts", "keystone", name);

    public void Dispose()
    {
        try
        {
            Down();
        }
        finally
        {
            _dir.Dispose();
        }
    }
}
