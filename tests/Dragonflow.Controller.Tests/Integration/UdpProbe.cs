using System.Net;
using System.Net.Sockets;
using System.Text;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// One-way reachability: a UDP socket made inside a receiving VM's namespace (in-process, see
/// <see cref="NetworkNamespace.Enter{T}"/>) and senders made inside other VMs. Unlike a ping it
/// needs no answer, so it shows that a frame got through even when the way back is broken
/// (e.g. the sender changed its MAC and replies go to the MAC the network knows).
/// </summary>
public sealed class UdpProbe : IDisposable
{
    private readonly Socket _receiver;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public UdpProbe(VmNamespace receiver, int port = 9999)
    {
        Port = port;
        _receiver = receiver.Namespace.Enter(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Any, port));
            return s;
        });
    }

    public int Port { get; }

    /// <summary>
    /// Sends <paramref name="tag"/> from <paramref name="sender"/> (from <paramref name="source"/> when given)
    /// to <paramref name="destination"/> every 200 ms until it arrives or <paramref name="within"/> passes.
    /// </summary>
    public async Task<bool> ArrivesAsync(VmNamespace sender, string destination, string tag, TimeSpan within, string? source = null)
    {
        using var tx = sender.Namespace.Enter(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            if (source is not null) s.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
            return s;
        });
        var to = new IPEndPoint(IPAddress.Parse(destination), Port);
        var payload = Encoding.ASCII.GetBytes(tag);
        var deadline = DateTime.UtcNow + within;
        do
        {
            try
            {
                tx.SendTo(payload, to);
            }
            catch (SocketException)
            {
                // e.g. EHOSTUNREACH once the sender's ARP for the destination failed: keep trying.
            }
            await Task.Delay(200);
            Drain();
            if (_seen.Contains(tag)) return true;
        } while (DateTime.UtcNow < deadline);
        return false;
    }

    private void Drain()
    {
        var buffer = new byte[2048];
        while (_receiver.Available > 0)
        {
            var n = _receiver.Receive(buffer);
            _seen.Add(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    public void Dispose() => _receiver.Dispose();
}
