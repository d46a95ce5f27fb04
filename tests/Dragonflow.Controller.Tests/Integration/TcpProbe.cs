using System.Diagnostics;
using System.Globalization;
using Dragonflow.Testing;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// A TCP server in a namespace (python3) that answers every connection with a fixed word, or
/// with the address it sees the client come from ("peer"): so a test learns both who it
/// reached and under which source address. Killed by its pid on dispose.
/// </summary>
public sealed class TcpProbe : IDisposable
{
    /// <summary>What a <see cref="Start"/> server with this answer replies: the client's address as the server sees it.</summary>
    public const string Peer = "peer";

    private const string Server =
        "import socket,sys\n" +
        "s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',int(sys.argv[1])));s.listen(8)\n" +
        "print('listening',flush=True)\n" +
        "while True:\n" +
        "  c,a=s.accept()\n" +
        "  c.sendall((a[0] if sys.argv[2]=='peer' else sys.argv[2]).encode());c.close()\n";

    private const string Client =
        "import socket,sys\n" +
        "src=(sys.argv[3],0) if len(sys.argv)>3 else None\n" +
        "s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=3,source_address=src);print(s.recv(100).decode())\n";

    private readonly Process _process;

    private TcpProbe(Process process) => _process = process;

    public static TcpProbe Start(NetworkNamespace ns, int port, string answer)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns.Name, "python3", "-c", Server, port.ToString(CultureInfo.InvariantCulture), answer })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        if (p.StandardOutput.ReadLine() != "listening")
        {
            p.Kill(true);
            throw new InvalidOperationException("tcp server did not start: " + p.StandardError.ReadToEnd());
        }
        return new TcpProbe(p);
    }

    /// <summary>Connects from <paramref name="ns"/> (from <paramref name="source"/> if given); the server's answer, or null when the connection failed.</summary>
    public static string? Connect(NetworkNamespace ns, string ip, int port, string? source = null)
    {
        string[] args = ["-c", Client, ip, port.ToString(CultureInfo.InvariantCulture), .. source is null ? Array.Empty<string>() : [source]];
        var r = ns.Exec("python3", args, timeout: TimeSpan.FromSeconds(10));
        return r.Succeeded ? r.StdOut.Trim() : null;
    }

    /// <summary>Connects until an answer comes or the deadline passes; the last answer (null if none).</summary>
    public static async Task<string?> ConnectWithinAsync(NetworkNamespace ns, string ip, int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Connect(ns, ip, port) is { } answer) return answer;
            if (DateTime.UtcNow > deadline) return null;
            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(true);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
