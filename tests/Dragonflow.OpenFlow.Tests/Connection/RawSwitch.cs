using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Tests.Connection;

/// <summary>A scripted switch on a raw socket, for what a real OVS will not do on demand (go silent, send garbage).</summary>
public sealed class RawSwitch : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buf = new byte[65536];
    private int _have;

    private RawSwitch(Socket s) => _socket = s;

    public static async Task<RawSwitch> ConnectAsync(EndPoint listener)
    {
        var s = new Socket(listener.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(listener);
        s.ReceiveTimeout = 10_000;
        return new RawSwitch(s);
    }

    /// <summary>HELLO, then answers FEATURES_REQUEST; returns once SET_CONFIG arrived.</summary>
    public async Task HandshakeAsync(ulong dpid = 0x42)
    {
        Send(new Hello().ToBytes(1));
        while (true)
        {
            var m = await ReceiveAsync();
            var h = OfpHeader.Read(m);
            if (h.Type == OfpType.FeaturesRequest) Send(new SwitchFeatures(dpid, 0, 254, 0, 0).ToBytes(h.Xid));
            if (h.Type == OfpType.SetConfig) return;
        }
    }

    public void Send(ReadOnlySpan<byte> bytes) => _socket.Send(bytes);

    public async Task<byte[]> ReceiveAsync(CancellationToken ct = default)
    {
        while (true)
        {
            if (_have >= 8)
            {
                var len = BinaryPrimitives.ReadUInt16BigEndian(_buf.AsSpan(2));
                if (_have >= len)
                {
                    var m = _buf.AsSpan(0, len).ToArray();
                    _buf.AsSpan(len, _have - len).CopyTo(_buf);
                    _have -= len;
                    return m;
                }
            }
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(10));
            var n = await _socket.ReceiveAsync(_buf.AsMemory(_have), SocketFlags.None, cts.Token);
            if (n == 0) throw new EndOfStreamException();
            _have += n;
        }
    }

    /// <summary>Receives until a message of <paramref name="type"/> arrives (answering echoes unless told not to).</summary>
    public async Task<byte[]> ReceiveAsync(OfpType type, bool answerEcho = true)
    {
        while (true)
        {
            var m = await ReceiveAsync();
            var h = OfpHeader.Read(m);
            if (h.Type == type) return m;
            if (answerEcho && h.Type == OfpType.EchoRequest) Send(new Echo(OfpType.EchoReply, default).ToBytes(h.Xid));
        }
    }

    public void Dispose() => _socket.Dispose();
}
