using System.Net;
using System.Net.Sockets;

namespace Dragonflow.Testing.Sandbox;

/// <summary>
/// One ovsdb-server with its own run directory: database file, punix socket, unixctl socket,
/// pidfile and log all live in <see cref="RunDirectory"/>; never the system instance's.
/// It may also listen on TCP on the loopback of the namespace it runs in (the host's
/// loopback when <c>netns</c> is null). Can be stopped and started again on the same file,
/// which is how tests restart the database under a connected client.
/// </summary>
public sealed class OvsdbServerProcess : IDisposable
{
    public const string VswitchSchema = "/usr/share/openvswitch/vswitch.ovsschema";

    private readonly NetworkNamespace? _netns;
    private readonly IDisposable _exitGuard;
    private DaemonProcess? _daemon;
    private bool _disposed;
    private bool _ownsDirectory;

    private OvsdbServerProcess(string runDirectory, NetworkNamespace? netns, int? tcpPort, string schemaPath)
    {
        RunDirectory = runDirectory;
        _netns = netns;
        TcpPort = tcpPort;
        SchemaPath = schemaPath;
        _exitGuard = ExitCleanup.Register($"ovsdb-server in {runDirectory}", () => _daemon?.Stop());
    }

    public string RunDirectory { get; }
    public string SchemaPath { get; }
    public int? TcpPort { get; }
    public string DatabaseFile => Path.Combine(RunDirectory, "conf.db");
    public string SocketPath => Path.Combine(RunDirectory, "db.sock");
    public string ControlPath => Path.Combine(RunDirectory, "ovsdb.ctl");
    public string PidFile => Path.Combine(RunDirectory, "ovsdb.pid");
    public string LogPath => Path.Combine(RunDirectory, "ovsdb.log");

    /// <summary>"unix:/tmp/.../db.sock", usable by ovs-vsctl --db= and by our client.</summary>
    public string UnixRemote => "unix:" + SocketPath;

    /// <summary>"tcp:127.0.0.1:PORT" when started with a TCP port, else null.</summary>
    public string? TcpRemote => TcpPort is { } p ? $"tcp:127.0.0.1:{p}" : null;

    public int? Pid => _daemon?.Pid;
    public bool IsRunning => _daemon?.IsRunning == true;

    internal IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["OVS_RUNDIR"] = RunDirectory,
        ["OVS_LOGDIR"] = RunDirectory,
        ["OVS_DBDIR"] = RunDirectory,
    };

    /// <summary>Creates the database (if missing) and starts the server.</summary>
    public static OvsdbServerProcess Start(string runDirectory, NetworkNamespace? netns = null,
        int? tcpPort = null, string schemaPath = VswitchSchema)
    {
        Directory.CreateDirectory(runDirectory);
        var server = new OvsdbServerProcess(runDirectory, netns, tcpPort, schemaPath);
        try
        {
            server.Start();
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    /// <summary>
    /// A standalone server in the host namespace with a fresh run directory under /tmp
    /// (removed on Dispose), listening on its unix socket and on a free loopback TCP port.
    /// </summary>
    public static OvsdbServerProcess StartTemporary(string schemaPath = VswitchSchema)
    {
        var dir = SandboxNames.RunDirectory(new SandboxNames().Next('s'));
        var server = Start(dir, netns: null, tcpPort: FreeTcpPort(), schemaPath);
        server._ownsDirectory = true;
        return server;
    }

    /// <summary>Starts the server again (after <see cref="Stop"/> or <see cref="Kill"/>) on the same database.</summary>
    public void Start()
    {
        if (IsRunning) return;
        if (!File.Exists(DatabaseFile))
            ProcessRunner.RunChecked("ovsdb-tool", "create", DatabaseFile, SchemaPath);
        var args = new List<string>
        {
            DatabaseFile, "--remote=punix:" + SocketPath,
            "--pidfile=" + PidFile, "--unixctl=" + ControlPath, "--log-file=" + LogPath,
            "-vconsole:off", "-vfile:info", "--detach", "--no-chdir",
        };
        if (TcpPort is { } port) args.Add($"--remote=ptcp:{port}:127.0.0.1");
        File.Delete(PidFile);
        var result = _netns is null
            ? ProcessRunner.Run("ovsdb-server", args, environment: Environment)
            : _netns.Exec("ovsdb-server", args, environment: Environment);
        result.EnsureSuccess();
        _daemon = DaemonProcess.FromPidFile("ovsdb-server", PidFile);
    }

    public void Stop() => _daemon?.Stop();

    /// <summary>SIGKILL: the server vanishes without closing anything gracefully.</summary>
    public void Kill()
    {
        _daemon?.Kill();
        File.Delete(SocketPath);
    }

    public void Restart()
    {
        Stop();
        Start();
    }

    /// <summary>A currently free TCP port on 127.0.0.1 (the kernel picks it).</summary>
    public static int FreeTcpPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>ovs-appctl -t ovsdb.ctl ... (e.g. "memory/show"); trimmed stdout, throws on failure.</summary>
    public string Appctl(params string[] args) =>
        ProcessRunner.Run("ovs-appctl", new[] { "-t", ControlPath }.Concat(args)).EnsureSuccess().StdOut.Trim();

    public string LogTail(int lines = 30) => Tail(LogPath, lines);

    internal static string Tail(string path, int lines)
    {
        try
        {
            var all = File.ReadAllLines(path);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException)
        {
            return $"({path} unreadable)";
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _daemon?.Stop();
        _exitGuard.Dispose();
        if (_ownsDirectory && System.Environment.GetEnvironmentVariable("DF_KEEP_SANDBOX") != "1")
            RemoveDirectory(RunDirectory);
    }

    internal static void RemoveDirectory(string path)
    {
        // A daemon that just exited may still be unlinking its sockets; retry briefly.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                return;
            }
            catch (IOException ex) when (attempt < 20)
            {
                if (attempt == 19) Console.Error.WriteLine($"cannot remove {path}: {ex.Message}");
                Thread.Sleep(50);
            }
        }
    }
}
