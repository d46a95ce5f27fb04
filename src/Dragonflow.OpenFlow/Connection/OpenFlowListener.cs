using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Dragonflow.OpenFlow.Connection;

/// <summary>
/// Accepts switches on <c>tcp:IP:PORT</c> or <c>unix:PATH</c> (Open vSwitch's <c>set-controller</c>
/// targets; vswitchd connects to us). Each accepted socket becomes an
/// <see cref="OpenFlowConnection"/>; <see cref="SwitchConnected"/> is raised once its handshake is
/// done, before any of its events, so subscribers never miss a packet-in.
/// </summary>
public sealed class OpenFlowListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly OpenFlowConnectionOptions _options;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<OpenFlowConnection, byte> _connections = new();
    private readonly Channel<OpenFlowConnection> _ready = Channel.CreateUnbounded<OpenFlowConnection>();
    private readonly string? _unixPath;
    private Task _acceptLoop = Task.CompletedTask;

    public OpenFlowListener(string target, OpenFlowConnectionOptions? options = null)
    {
        _options = options ?? new OpenFlowConnectionOptions();
        _log = _options.LoggerFactory.CreateLogger<OpenFlowListener>();
        var endpoint = OpenFlowTarget.Parse(target);
        if (endpoint is UnixDomainSocketEndPoint)
        {
            _unixPath = target[(target.IndexOf(':') + 1)..];
            if (File.Exists(_unixPath)) File.Delete(_unixPath); // a stale socket from a previous run
            _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        }
        else
        {
            _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }
        _socket.Bind(endpoint);
        _socket.Listen(64);
        LocalEndPoint = _socket.LocalEndPoint!;
        Target = _unixPath is null ? OpenFlowTarget.Format(LocalEndPoint) : $"unix:{_unixPath}";
    }

    public EndPoint LocalEndPoint { get; }

    /// <summary>The bound target (with the real port when 0 was asked for), e.g. for <c>ovs-vsctl set-controller</c>.</summary>
    public string Target { get; }

    /// <summary>A switch completed its handshake. Raised on its read loop: subscribe to its events here.</summary>
    public event Action<OpenFlowConnection>? SwitchConnected;

    public IReadOnlyCollection<OpenFlowConnection> Connections => _connections.Keys.Where(c => c.IsConnected).ToList();

    public OpenFlowListener Start()
    {
        _acceptLoop = AcceptLoopAsync();
        _log.LogInformation("OpenFlow listener on {Target}", Target);
        return this;
    }

    /// <summary>The next switch to complete its handshake (connections are queued in order).</summary>
    public async Task<OpenFlowConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var c = await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (c.IsConnected) return c;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.LogWarning("accept failed: {Error}", e.Message);
                continue;
            }
            if (s.AddressFamily != AddressFamily.Unix)
                s.NoDelay = true;
            var conn = new OpenFlowConnection(s, _options, OnReady);
            _connections[conn] = 0;
            _ = conn.Closed.ContinueWith(_ => _connections.TryRemove(conn, out byte _), TaskScheduler.Default);
            conn.Start();
        }
    }

    private void OnReady(OpenFlowConnection conn)
    {
        try
        {
            SwitchConnected?.Invoke(conn);
        }
        catch (Exception e)
        {
            _log.LogError(e, "SwitchConnected handler failed for {Switch}", conn);
        }
        _ready.Writer.TryWrite(conn);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var c in _connections.Keys)
            await c.DisposeAsync().ConfigureAwait(false);
        if (_unixPath is not null)
        {
            try { File.Delete(_unixPath); } catch (IOException) { }
        }
    }
}
