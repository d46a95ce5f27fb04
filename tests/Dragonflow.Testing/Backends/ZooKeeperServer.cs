using System.Net;
using System.Net.Sockets;
using System.Text;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Testing.Backends;

/// <summary>
/// A real ZooKeeper (Debian's zookeeper 3.8 jars) for one test class: standalone, on a free
/// loopback client port, with its own data directory, a 500 ms tick (sessions of 1-10 s) and
/// the admin server off. Stop/Start simulate an outage; Start comes back on the same port and data.
/// </summary>
public sealed class ZooKeeperServer : IDisposable
{
    private readonly ScratchDirectory _dir = new("df-zk-");
    private ServerProcess? _process;

    public ZooKeeperServer()
    {
        Port = LoopbackPort.Free();
        var data = Directory.CreateDirectory(System.IO.Path.Combine(_dir.Path, "data")).FullName;
        File.WriteAllText(ConfigPath, $"""
            tickTime=500
            dataDir={data}
            clientPort={Port}
            clientPortAddress=127.0.0.1
            maxClientCnxns=0
            admin.enableServer=false
            4lw.commands.whitelist=srvr
            """);
        Start();
    }

    public int Port { get; }

    /// <summary>host:port as remote_db_hosts takes it.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public int? Pid => _process?.Pid;

    private string ConfigPath => System.IO.Path.Combine(_dir.Path, "zoo.cfg");

    public void Start()
    {
        if (_process is { HasExited: false })
        {
            return;
        }
        _process?.Dispose();
        _process = ZooKeeperJava.Start("org.apache.zookeeper.server.ZooKeeperServerMain", ConfigPath, _dir.Path);
        _process.WaitUntil(() => ZooKeeperJava.Mode(Port) is not null, TimeSpan.FromSeconds(60), $"zookeeper on {Endpoint}");
    }

    public void Stop() => _process?.Stop();

    public void Dispose()
    {
        _process?.Dispose();
        _dir.Dispose();
    }
}

/// <summary>Starting Debian's ZooKeeper server classes and asking a server its mode.</summary>
public static class ZooKeeperJava
{
    private const string Jars = "/usr/share/java";

    private static readonly string[] ClassPath =
    [
        "zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-nop.jar", "netty-handler.jar", "netty-common.jar",
        "netty-buffer.jar", "netty-transport.jar", "netty-codec.jar", "netty-resolver.jar", "netty-transport-native-epoll.jar",
        "netty-transport-native-unix-common.jar", "metrics-core.jar", "snappy-java.jar", "commons-io.jar", "commons-cli.jar",
    ];

    /// <summary>Runs a server main class on a config file; the JVM is tuned for start-up time, not throughput.</summary>
    public static ServerProcess Start(string mainClass, string config, string workingDirectory) =>
        ServerProcess.Start("/usr/bin/java",
        [
            "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            "-Dzookeeper.admin.enableServer=false",
            "-Dzookeeper.jmx.log4j.disable=true",
            "-cp", string.Join(':', ClassPath.Select(j => System.IO.Path.Combine(Jars, j))),
            mainClass, config,
        ], workingDirectory);

    /// <summary>The Mode line of the srvr four-letter word (standalone, leader, follower), or null if it does not serve.</summary>
    public static string? Mode(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            client.ReceiveTimeout = 2000;
            using var stream = client.GetStream();
            stream.Write("srvr"u8);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            var text = reader.ReadToEnd();
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("Mode: ", StringComparison.Ordinal));
            return line?["Mode: ".Length..].Trim();
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return null;
        }
    }
}
