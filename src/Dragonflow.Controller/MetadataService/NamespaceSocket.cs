using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Dragonflow.Controller.MetadataService;

/// <summary>
/// A listening TCP socket in another network namespace: a short-lived thread enters the
/// namespace (setns), creates, binds and listens, and ends. A socket stays in the namespace it
/// was made in, so the controller (in its own namespace) serves connections made there.
/// </summary>
public static class NamespaceSocket
{
    private const int CloneNewNet = 0x40000000;
    private const int Backlog = 128;

    /// <summary>A socket listening on <paramref name="endpoint"/> in <paramref name="netns"/> (a name under /var/run/netns; empty = here).</summary>
    public static Socket Listen(string netns, IPEndPoint endpoint)
    {
        if (netns.Length == 0) return Bound(endpoint);
        Socket? socket = null;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path.Combine("/var/run/netns", netns));
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new InvalidOperationException($"cannot enter network namespace {netns}: errno {Marshal.GetLastPInvokeError()}");
                socket = Bound(endpoint);
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        }) { IsBackground = true, Name = "metadata listener " + netns };
        thread.Start();
        thread.Join();
        error?.Throw();
        return socket!;
    }

    private static Socket Bound(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endpoint);
            socket.Listen(Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A second descriptor of <paramref name="socket"/>, for a server that takes ownership of the one it is given.</summary>
    public static ulong Duplicate(Socket socket)
    {
        var fd = dup((int)socket.SafeHandle.DangerousGetHandle());
        if (fd < 0) throw new InvalidOperationException($"dup failed: errno {Marshal.GetLastPInvokeError()}");
        return (ulong)fd;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);
}
