using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dragonflow.Cli.Sandbox;

/// <summary>
/// A private NB database server (redis-server, etcd or ZooKeeper) for a benchmark: on a free
/// loopback port, in its own temp directory, known by the pid we started. Dispose stops exactly
/// that pid (SIGTERM, then SIGKILL) and removes the directory; `await using` also covers Ctrl-C
/// and failures. <see cref="MissingReason"/> tells why a backend cannot run here (binary absent).
/// </summary>
sealed class PrivateBackend : IAsyncDisposable
{
    const string Etcd = "/usr/bin/etcd";
    const string Redis = "/usr/bin/redis-server";
    const string Java = "/usr/bin/java";
    const string ZooKeeperJars = "/usr/share/java";

    static readonly string[] ZooKeeperClassPath =
    [
        "zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-nop.jar", "netty-handler.jar", "netty-common.jar",
        "netty-buffer.jar", "netty-transport.jar", "netty-codec.jar", "netty-resolver.jar", "netty-transport-native-epoll.jar",
        "netty-transport-native-unix-common.jar", "metrics-core.jar", "snappy-java.jar", "commons-io.jar", "commons-cli.jar",
    ];

    readonly Process _process;
    readonly SandboxDaemon _daemon;
    readonly StringBuilder _output = new();

    PrivateBackend(string driver, string directory, int port, Process process, string program)
    {
        Driver = driver;
        Directory = directory;
        Port = port;
        _process = process;
        _daemon = new SandboxDaemon(program, process.Id);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Driver { get; }
    public string Directory { get; }
    public int Port { get; }
    public int Pid => _daemon.Pid;

    /// <summary>host:port as remote_db_hosts takes it.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Why <paramref name="driver"/> cannot get a private server on this machine, or null if it can.</summary>
    public static string? MissingReason(string driver) => driver switch
    {
        "etcd" => File.Exists(Etcd) ? null : $"{Etcd} not found (install etcd-server)",
        "redis" => File.Exists(Redis) ? null : $"{Redis} not found (install redis-server)",
        "zookeeper" => !File.Exists(Java) ? $"{Java} not found (install a JRE)"
            : ZooKeeperClassPath.FirstOrDefault(j => !File.Exists(Path.Combine(ZooKeeperJars, j))) is { } jar
                ? $"{Path.Combine(ZooKeeperJars, jar)} not found (install zookeeper)"
                : null,
        _ => $"no private server for '{driver}'",
    };

    /// <summary>Starts the server and waits until it answers on its port (30 s, 60 s for the JVM).</summary>
    public static async Task<PrivateBackend> StartAsync(string driver, CancellationToken cancellationToken)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory($"df-bench-{driver}-").FullName;
        var port = FreePort();
        var (program, comm, args) = driver switch
        {
            "redis" => (Redis, "redis-server", new[]
            {
                "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--daemonize", "no",
            }),
            "etcd" => (Etcd, "etcd", EtcdArgs(directory, port, FreePort())),
            "zookeeper" => (Java, "java", ZooKeeperArgs(directory, port)),
            _ => throw new SandboxException($"no private server for '{driver}'"),
        };
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new SandboxException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw new SandboxException($"{program}: {e.Message}");
        }
        var backend = new PrivateBackend(driver, directory, port, process, comm);
        try
        {
            await backend.WaitReadyAsync(TimeSpan.FromSeconds(driver == "zookeeper" ? 60 : 30), cancellationToken);
            return backend;
        }
        catch
        {
            await backend.DisposeAsync();
            throw;
        }
    }

    static string[] EtcdArgs(string directory, int clientPort, int peerPort)
    {
        var client = $"http://127.0.0.1:{clientPort}";
        var peer = $"http://127.0.0.1:{peerPort}";
        return
        [
            "--name", "bench", "--data-dir", Path.Combine(directory, "data"),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"bench={peer}", "--log-level", "warn",
        ];
    }

    static string[] ZooKeeperArgs(string directory, int port)
    {
        var config = Path.Combine(directory, "zoo.cfg");
        var data = System.IO.Directory.CreateDirectory(Path.Combine(directory, "data")).FullName;
        File.WriteAllText(config, $"tickTime=500\ndataDir={data}\nclientPort={port}\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\nadmin.enableServer=false\n4lw.commands.whitelist=srvr\n");
        return
        [
            "-Xmx512m", "-XX:+UseSerialGC", "-Dzookeeper.admin.enableServer=false", "-Dzookeeper.jmx.log4j.disable=true",
            "-cp", string.Join(':', ZooKeeperClassPath.Select(j => Path.Combine(ZooKeeperJars, j))),
            "org.apache.zookeeper.server.ZooKeeperServerMain", config,
        ];
    }

    async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await AnswersAsync(cancellationToken))
        {
            if (_process.HasExited) throw new SandboxException($"{Driver} server (pid {Pid}) exited with {_process.ExitCode}: {Output}");
            if (DateTime.UtcNow > deadline) throw new SandboxException($"{Driver} server (pid {Pid}) not ready on {Endpoint} after {timeout.TotalSeconds} s: {Output}");
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>A protocol-level answer, not just an open port (etcd and ZooKeeper listen before they serve).</summary>
    async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        var (request, expect) = Driver switch
        {
            "redis" => ("PING\r\n", "+PONG"),
            "etcd" => ($"GET /health HTTP/1.0\r\nHost: {Endpoint}\r\n\r\n", "\"health\":\"true\""),
            _ => ("srvr", "Mode: "),
        };
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
            var text = new StringBuilder();
            var buffer = new byte[4096];
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                text.Append(Encoding.ASCII.GetString(buffer, 0, n));
                if (text.ToString().Contains(expect, StringComparison.Ordinal)) return true;
            }
            return false;
        }
        catch (Exception e) when (e is SocketException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            if (_output.Length < 16 * 1024) _output.AppendLine(line);
        }
    }

    public ValueTask DisposeAsync()
    {
        _daemon.Stop(TimeSpan.FromSeconds(5));
        try
        {
            _process.WaitForExit(5000); // reaps it
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp dir is left to the OS cleanup.
        }
        return ValueTask.CompletedTask;
    }
}
