using System.Net;
using System.Net.Sockets;

namespace Dragonflow.Testing.Backends;

/// <summary>Free TCP ports on 127.0.0.1 for servers a test starts.</summary>
public static class LoopbackPort
{
    /// <summary>A port nothing listens on right now (the OS picks it; a race with another process is possible but rare).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>True when something accepts connections on the port.</summary>
    public static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
