using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Dragonflow.Testing;
using Microsoft.Extensions.Logging;

namespace Dragonflow.ZooKeeper.Tests;

/// <summary>
/// A server that completes the handshake and then falls silent without closing the socket (a
/// frozen or vanished peer, a half-open connection): it answers nothing, pings included, and
/// may not even read. The client must give up on the connection within the session's silence
/// limit, fail the request in flight with connection loss and connect again — never wait forever,
/// also when its own write is stuck because the peer stopped reading.
/// </summary>
public sealed class SilentServerTests : IAsyncDisposable
{
    private const int SessionTimeoutMs = 3000;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _held = new();
    private int _connections;

    public SilentServerTests() => _listener.Start();

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Accepts connections, answers the handshake, then holds each socket open; reads and discards if <paramref name="read"/>.</summary>
    private async Task ServeAsync(bool read)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_held)
                {
                    _held.Add(socket);
                }
                Interlocked.Increment(ref _connections);
                // Small buffers so that a client write that nobody reads fills them quickly.
                socket.ReceiveBufferSize = 4096;
                var stream = new NetworkStream(socket);
                await ReadFrameAsync(stream); // ConnectRequest
                await stream.WriteAsync(ConnectResponse());
                if (read)
                {
                    _ = DrainAsync(stream);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task DrainAsync(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task ReadFrameAsync(Stream stream)
    {
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix);
        await stream.ReadExactlyAsync(new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)]);
    }

    private static byte[] ConnectResponse()
    {
        // protocolVersion, timeOut, sessionId, passwd (16 bytes), readOnly (zookeeper.jute ConnectResponse)
        var b = new byte[4 + 4 + 4 + 8 + 4 + 16 + 1];
        BinaryPrimitives.WriteInt32BigEndian(b, b.Length - 4);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), SessionTimeoutMs);
        BinaryPrimitives.WriteInt64BigEndian(b.AsSpan(12), 0x5151);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(20), 16);
        return b;
    }

    [Theory]
    [InlineData("reads the request but never answers", true, 16)]
    [InlineData("stops reading, so the client's write cannot finish", false, 32 * 1024 * 1024)]
    public async Task ARequestToASilentServerFailsWithConnectionLossAndTheClientConnectsAgain(string what, bool read, int size)
    {
        var serving = ServeAsync(read);
        var log = new RecordingLogger();
        await using var client = new ZooKeeperClient(new()
        {
            Hosts = [$"127.0.0.1:{Port}"],
            SessionTimeout = TimeSpan.FromMilliseconds(SessionTimeoutMs),
            OperationTimeout = TimeSpan.FromSeconds(30),
            Logger = log,
        });
        await client.WaitConnectedAsync(TimeSpan.FromSeconds(10));

        // The silence limit is two thirds of the session timeout; the operation timeout is far
        // longer, so only dropping the silent connection can end the request this early.
        var started = DateTime.UtcNow;
        var request = client.SetDataAsync("/x", new byte[size]);
        var e = await Assert.ThrowsAsync<ZooKeeperConnectionLossException>(() => request.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), $"{what}: the request took {DateTime.UtcNow - started}");
        Assert.Contains($"127.0.0.1:{Port}", e.Message);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Volatile.Read(ref _connections) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(Volatile.Read(ref _connections) >= 2, $"{what}: the client did not connect again");
        Assert.True(log.Contains(LogLevel.Warning, "lost"), what);
        _stop.Cancel();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_held)
        {
            foreach (var s in _held)
            {
                s.Dispose();
            }
        }
        _stop.Dispose();
        await Task.CompletedTask;
    }
}
