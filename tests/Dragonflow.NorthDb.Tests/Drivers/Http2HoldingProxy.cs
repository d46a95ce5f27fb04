using System.Net;
using System.Net.Sockets;

namespace Dragonflow.NorthDb.Tests.Drivers;

/// <summary>
/// A loopback TCP proxy in front of a gRPC (HTTP/2) server that can delay what a client sends on
/// its first connection: while holding, the client's frames are kept instead of forwarded, so
/// its call times out; the client is then cut off (it reconnects through the proxy, unheld), and
/// the kept frames are delivered later on the original server connection — a request that
/// reaches the server after its caller gave up, as on a congested network or a stalled server.
/// Stream resets are not delivered, so the server does carry the late request out.
/// </summary>
internal sealed class Http2HoldingProxy : IAsyncDisposable
{
    private const int Preface = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    private const byte RstStream = 0x3;
    private const byte GoAway = 0x7;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _sockets = [];
    private readonly List<byte[]> _held = [];
    private readonly Lock _gate = new();
    private TcpClient? _firstClient;
    private NetworkStream? _firstUpstream;
    private bool _holding;
    private int _connections;

    public Http2HoldingProxy(string server)
    {
        var parts = server.Split(':');
        _server = new IPEndPoint(IPAddress.Parse(parts[0]), int.Parse(parts[1]));
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>From now on, frames the client sends on its first connection are kept, not forwarded.</summary>
    public void Hold()
    {
        lock (_gate)
        {
            _holding = true;
        }
    }

    /// <summary>Closes the client's side of the first connection; the server's side stays open.</summary>
    public void CutClient() => _firstClient?.Client.Close();

    /// <summary>Delivers the kept frames (without stream resets) to the server on the first connection.</summary>
    public async Task DeliverHeldAsync()
    {
        byte[][] frames;
        lock (_gate)
        {
            _holding = false;
            frames = [.. _held];
            _held.Clear();
        }
        foreach (var frame in frames.Where(f => f[3] is not (RstStream or GoAway)))
        {
            await _firstUpstream!.WriteAsync(frame);
        }
    }

    /// <summary>How many kept frames carry a request's headers (type 0x1).</summary>
    public int HeldRequests
    {
        get
        {
            lock (_gate)
            {
                return _held.Count(f => f[3] == 0x1);
            }
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var upstream = new TcpClient();
                await upstream.ConnectAsync(_server, _stop.Token);
                lock (_gate)
                {
                    _sockets.Add(client);
                    _sockets.Add(upstream);
                }
                var first = Interlocked.Increment(ref _connections) == 1;
                if (first)
                {
                    _firstClient = client;
                    _firstUpstream = upstream.GetStream();
                }
                _ = PumpAsync(upstream.GetStream(), client.GetStream());
                _ = ForwardFramesAsync(client.GetStream(), upstream.GetStream(), holdable: first);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Server to client, as it comes; a closed client side is not passed on to the server.</summary>
    private async Task PumpAsync(Stream from, Stream to)
    {
        var buffer = new byte[16384];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                try
                {
                    await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                }
                catch (IOException)
                {
                    // The client was cut off: keep reading the server, so its connection stays open.
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Client to server frame by frame, keeping them while holding.</summary>
    private async Task ForwardFramesAsync(Stream from, Stream to, bool holdable)
    {
        try
        {
            var preface = new byte[Preface];
            await from.ReadExactlyAsync(preface, _stop.Token);
            await to.WriteAsync(preface, _stop.Token);
            var header = new byte[9];
            while (true)
            {
                await from.ReadExactlyAsync(header, _stop.Token);
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var frame = new byte[9 + length];
                header.CopyTo(frame, 0);
                await from.ReadExactlyAsync(frame.AsMemory(9), _stop.Token);
                lock (_gate)
                {
                    if (holdable && _holding)
                    {
                        _held.Add(frame);
                        continue;
                    }
                }
                await to.WriteAsync(frame, _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_gate)
        {
            _sockets.ForEach(s => s.Dispose());
        }
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
