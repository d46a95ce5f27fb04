using System.Buffers.Binary;
using System.Net.Sockets;
using Dragonflow.Testing;
using Dragonflow.Testing.NorthDb;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// Garbage on the controller's OpenFlow listener (a fake switch on a plain socket) is logged and
/// dropped; the controller keeps serving its real switch.
/// </summary>
public sealed class MalformedOpenFlowTests(ITestOutputHelper output)
{
    private const byte Version13 = 0x04;
    private const byte Hello = 0, FeaturesRequest = 5, FeaturesReply = 6;

    [Fact]
    public async Task Truncated_and_malformed_openflow_messages_are_logged_and_the_real_switch_is_still_served()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        var a = await s.AddChassisAsync();
        try
        {
            var net = await s.CreateNetworkAsync(100);
            var path = a.Options.OfListen["unix:".Length..];

            // 1. A switch that answers FEATURES_REQUEST with a 16-byte FEATURES_REPLY (OF 1.3 §7.3.1:
            //    32 bytes), then sends a header whose length (4) is shorter than a header.
            using (var fake = Connect(path))
            {
                Assert.Equal(Hello, ReadMessage(fake).Type);
                fake.Send(Header(Hello, 8, 1));
                var request = ReadMessage(fake);
                Assert.Equal(FeaturesRequest, request.Type);
                var shortReply = new byte[16];
                Header(FeaturesReply, 16, request.Xid).CopyTo(shortReply, 0);
                fake.Send(shortReply);
                await Poll.UntilAsync(() => a.Log.Contains(LogLevel.Warning, "dropped malformed FeaturesReply"),
                    TimeSpan.FromSeconds(5), "the short FEATURES_REPLY is logged");
                fake.Send(Header(FeaturesReply, 4, 2));
                await Poll.UntilAsync(() => a.Log.Contains(LogLevel.Warning, "unreadable stream"),
                    TimeSpan.FromSeconds(5), "the broken framing is logged");
                fake.ReceiveTimeout = 5000;
                Assert.Equal(0, DrainUntilClosed(fake)); // the controller closed that session
            }

            // 2. A switch that sends half a header and hangs up.
            using (var fake = Connect(path))
            {
                Assert.Equal(Hello, ReadMessage(fake).Type);
                fake.Send(Header(Hello, 8, 1)[..5]);
                fake.Shutdown(SocketShutdown.Send);
                await Poll.UntilAsync(() => a.Log.Contains(LogLevel.Warning, "stream ended inside a message"),
                    TimeSpan.FromSeconds(5), "the truncated message is logged");
            }

            // The controller still runs and still programs the real switch: two new VMs talk.
            Assert.False(a.Controller!.Completion.IsCompleted);
            var p1 = await s.CreatePortAsync(net, "fa:16:3e:00:00:01", "10.0.0.1");
            var p2 = await s.CreatePortAsync(net, "fa:16:3e:00:00:02", "10.0.0.2");
            var vm1 = s.Plug(a, p1);
            s.Plug(a, p2);
            await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
            await s.WaitForStatusAsync(p2.Id, "ACTIVE", a.Host);
            Assert.True(vm1.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)));
        }
        finally
        {
            output.WriteLine(string.Join("\n", a.Log.Entries.TakeLast(40)));
        }
    }

    private static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 5000 };
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>An OpenFlow header (OF 1.3 §7.1): version, type, length, xid — big-endian.</summary>
    private static byte[] Header(byte type, ushort length, uint xid)
    {
        var b = new byte[8];
        b[0] = Version13;
        b[1] = type;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), length);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), xid);
        return b;
    }

    private static (byte Type, uint Xid) ReadMessage(Socket socket)
    {
        var header = ReadExactly(socket, 8);
        var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
        ReadExactly(socket, length - 8);
        return (header[1], BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)));
    }

    private static byte[] ReadExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        for (var read = 0; read < count;)
        {
            var n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0) throw new IOException("controller closed the connection");
            read += n;
        }
        return buffer;
    }

    /// <summary>Reads until end of stream; returns the last Receive result (0 = orderly close).</summary>
    private static int DrainUntilClosed(Socket socket)
    {
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = socket.Receive(buffer)) > 0) { }
            return n;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
    }
}
