using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dragonflow.Ovsdb;

/// <summary>An OVSDB connection method, as ovs-vsctl spells it: "unix:PATH" or "tcp:IP:PORT".</summary>
public sealed record OvsdbEndpoint
{
    private OvsdbEndpoint(string text, string? path, IPEndPoint? ip)
    {
        Text = text;
        UnixPath = path;
        TcpEndPoint = ip;
    }

    public string Text { get; }
    public string? UnixPath { get; }
    public IPEndPoint? TcpEndPoint { get; }

    public static OvsdbEndpoint Parse(string text)
    {
        if (text.StartsWith("unix:", StringComparison.Ordinal) && text.Length > 5)
            return new OvsdbEndpoint(text, text[5..], null);
        if (text.StartsWith("tcp:", StringComparison.Ordinal))
        {
            var rest = text[4..];
            var colon = rest.LastIndexOf(':');
            if (colon > 0 && IPAddress.TryParse(rest[..colon].Trim('[', ']'), out var ip)
                && int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
                return new OvsdbEndpoint(text, null, new IPEndPoint(ip, port));
        }
        throw new ArgumentException($"unsupported OVSDB endpoint '{text}' (expected unix:PATH or tcp:IP:PORT)", nameof(text));
    }

    internal async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        Socket socket;
        EndPoint target;
        if (UnixPath is not null)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            target = new UnixDomainSocketEndPoint(UnixPath);
        }
        else
        {
            socket = new Socket(TcpEndPoint!.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            target = TcpEndPoint;
        }
        try
        {
            await socket.ConnectAsync(target, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public override string ToString() => Text;
}
