using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Testing.Backends;

/// <summary>
/// A real single-member etcd for one test class, on free loopback client and peer ports with its
/// own data directory. Stop/Start simulate an outage; Start comes back on the same ports and data.
/// </summary>
public sealed class EtcdServer : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly ScratchDirectory _dir = new("df-etcd-");
    private ServerProcess? _process;

    public EtcdServer()
    {
        ClientPort = LoopbackPort.Free();
        PeerPort = LoopbackPort.Free();
        Start();
    }

    public int ClientPort { get; }

    public int PeerPort { get; }

    /// <summary>host:port as remote_db_hosts takes it.</summary>
    public string Endpoint => $"127.0.0.1:{ClientPort}";

    public int? Pid => _process?.Pid;

    public void Start()
    {
        if (_process is { HasExited: false })
        {
            return;
        }
        _process?.Dispose();
        var client = $"http://127.0.0.1:{ClientPort}";
        var peer = $"http://127.0.0.1:{PeerPort}";
        _process = ServerProcess.Start("/usr/bin/etcd",
        [
            "--name", "default",
            "--data-dir", System.IO.Path.Combine(_dir.Path, "data"),
            "--listen-client-urls", client,
            "--advertise-client-urls", client,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"default={peer}",
            "--log-level", "warn",
        ], _dir.Path);
        _process.WaitUntil(Healthy, TimeSpan.FromSeconds(30), $"etcd on {Endpoint}");
    }

    public void Stop() => _process?.Stop();

    private bool Healthy()
    {
        try
        {
            var body = Http.GetStringAsync($"http://{Endpoint}/health").GetAwaiter().GetResult();
            return body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _process?.Dispose();
        _dir.Dispose();
    }
}
