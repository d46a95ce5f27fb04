using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dragonflow.ZooKeeper.Tests;

/// <summary>Replies that arrive a few bytes at a time are reassembled into the same frames.</summary>
public sealed class FragmentedStreamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public async Task AHandshakeAndAReplySentInPiecesAreReadWhole(int piece)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            socket.NoDelay = true;
            await using var stream = new NetworkStream(socket);
            await ReadFrameAsync(stream);
            await SendInPiecesAsync(stream, ConnectResponse(), piece);
            var request = await ReadFrameAsync(stream);
            var xid = BinaryPrimitives.ReadInt32BigEndian(request);
            Assert.Equal(4, BinaryPrimitives.ReadInt32BigEndian(request.AsSpan(4))); // getData
            await SendInPiecesAsync(stream, GetDataReply(xid), piece);
            await ReadFrameAsync(stream); // closeSession
        });
        await using (var client = new ZooKeeperClient(new() { Hosts = [$"127.0.0.1:{port}"], OperationTimeout = TimeSpan.FromSeconds(10) }))
        {
            var node = await client.GetDataAsync("/n");

            Assert.Equal("hi", Encoding.UTF8.GetString(node.Data));
            Assert.Equal((7L, 3), (node.Stat.Mzxid, node.Stat.Version));
            Assert.Equal(0x4242, client.SessionId);
        }
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static byte[] ConnectResponse()
    {
        // protocolVersion, timeOut, sessionId, passwd (16 bytes), readOnly (zookeeper.jute ConnectResponse)
        var b = new byte[4 + 4 + 4 + 8 + 4 + 16 + 1];
        BinaryPrimitives.WriteInt32BigEndian(b, b.Length - 4);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), 6000);
        BinaryPrimitives.WriteInt64BigEndian(b.AsSpan(12), 0x4242);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(20), 16);
        return b;
    }

    private static byte[] GetDataReply(int xid)
    {
        // ReplyHeader (xid, zxid, err), then GetDataResponse: data buffer and a 68-byte Stat.
        var b = new byte[4 + 16 + 4 + 2 + ZNodeStat.Size];
        BinaryPrimitives.WriteInt32BigEndian(b, b.Length - 4);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), xid);
        BinaryPrimitives.WriteInt64BigEndian(b.AsSpan(8), 9);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(20), 2);
        "hi"u8.CopyTo(b.AsSpan(24));
        var stat = b.AsSpan(26);
        BinaryPrimitives.WriteInt64BigEndian(stat[8..], 7); // mzxid
        BinaryPrimitives.WriteInt32BigEndian(stat[32..], 3); // version
        return b;
    }

    private static async Task SendInPiecesAsync(NetworkStream stream, byte[] bytes, int piece)
    {
        for (var i = 0; i < bytes.Length; i += piece)
        {
            await stream.WriteAsync(bytes.AsMemory(i, Math.Min(piece, bytes.Length - i)));
            await stream.FlushAsync();
            await Task.Delay(1);
        }
    }

    private static async Task<byte[]> ReadFrameAsync(Stream stream)
    {
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await stream.ReadExactlyAsync(frame);
        return frame;
    }
}
