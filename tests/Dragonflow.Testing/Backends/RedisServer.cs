using System.Net;
using System.Net.Sockets;
using System.Text;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Testing.Backends;

/// <summary>
/// A real redis-server for one test class, on a free loopback port with its own directory and no
/// persistence. Stop/Start simulate an outage; Start comes back on the same port.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly ScratchDirectory _dir = new("df-redis-");
    private ServerProcess? _process;

    public RedisServer()
    {
        Port = LoopbackPort.Free();
        Start();
    }

    public int Port { get; }

    /// <summary>host:port as remote_db_hosts takes it.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public int? Pid => _process?.Pid;

    public void Start()
    {
        if (_process is { HasExited: false })
        {
            return;
        }
        _process?.Dispose();
        _process = ServerProcess.Start("/usr/bin/redis-server",
            ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _dir.Path, "--daemonize", "no"],
            _dir.Path);
        _process.WaitUntil(() => TryCommand("PING") == "+PONG", TimeSpan.FromSeconds(15), $"redis-server on {Endpoint}");
    }

    public void Stop() => _process?.Stop();

    /// <summary>Removes every key (FLUSHALL).</summary>
    public void Flush()
    {
        var reply = TryCommand("FLUSHALL");
        if (reply != "+OK")
        {
            throw new InvalidOperationException($"FLUSHALL on {Endpoint} answered {reply ?? "nothing"}");
        }
    }

    /// <summary>Sends one command in RESP and returns the first reply line, or null if the server cannot be reached.</summary>
    public string? TryCommand(params string[] words)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            client.ReceiveTimeout = 5000;
            using var stream = client.GetStream();
            var request = new StringBuilder($"*{words.Length}\r\n");
            foreach (var w in words)
            {
                request.Append($"${Encoding.UTF8.GetByteCount(w)}\r\n{w}\r\n");
            }
            stream.Write(Encoding.UTF8.GetBytes(request.ToString()));
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadLine();
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _process?.Dispose();
        _dir.Dispose();
    }
}
