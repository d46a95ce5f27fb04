using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Dragonflow.Testing;
using Microsoft.Extensions.Logging;

namespace Dragonflow.ZooKeeper.Tests;

/// <summary>
/// A peer that completes the handshake and then breaks the protocol: the client must drop the
/// connection, log why, fail the request it had outstanding and reconnect — never crash or hang.
/// </summary>
public sealed class HostileServerTests : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    public HostileServerTests() => _listener.Start();

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task ServeAsync(byte[] answer)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var socket = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                await using var stream = new NetworkStream(socket);
                await ReadFrameAsync(stream); // ConnectRequest
                // ConnectResponse: protocolVersion 0, timeOut 4000, sessionId, passwd (16 bytes), readOnly.
                var response = new byte[4 + 4 + 4 + 8 + 4 + 16 + 1];
                BinaryPrimitives.WriteInt32BigEndian(response, response.Length - 4);
                BinaryPrimitives.WriteInt32BigEndian(response.AsSpan(8), 4000);
                BinaryPrimitives.WriteInt64BigEndian(response.AsSpan(12), 0x1234);
                BinaryPrimitives.WriteInt32BigEndian(response.AsSpan(20), 16);
                await stream.WriteAsync(response);
                await ReadFrameAsync(stream); // the request
                await stream.WriteAsync(answer);
                await Task.Delay(200);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
        }
    }

    private static async Task ReadFrameAsync(Stream stream)
    {
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix);
        await stream.ReadExactlyAsync(new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)]);
    }

    public static TheoryData<string, byte[]> Answers => new()
    {
        { "a reply to an xid never sent", [0, 0, 0, 16, 0, 0, 0x30, 0x39, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0] },
        { "a frame longer than any the protocol allows", [0x7f, 0xff, 0xff, 0xff, 1, 2, 3] },
        { "a negative frame length", [0xff, 0xff, 0xff, 0xfe] },
        { "a frame cut short by the close", [0, 0, 0, 40, 0, 0, 0, 1, 0] },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task ABrokenReplyDropsTheConnectionAndFailsTheRequest(string what, byte[] answer)
    {
        var serving = ServeAsync(answer);
        var log = new RecordingLogger();
        await using var client = new ZooKeeperClient(new()
        {
            Hosts = [$"127.0.0.1:{Port}"],
            OperationTimeout = TimeSpan.FromSeconds(3),
            Logger = log,
        });

        var e = await Assert.ThrowsAsync<ZooKeeperConnectionLossException>(() => client.SetDataAsync("/x", new byte[] { 1 }));

        Assert.Contains($"127.0.0.1:{Port}", e.Message);
        Assert.True(log.Contains(LogLevel.Warning, "lost"), what);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Volatile.Read(ref _connections) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(Volatile.Read(ref _connections) >= 2, "the client did not reconnect");
        _stop.Cancel();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
        await Task.CompletedTask;
    }
}
