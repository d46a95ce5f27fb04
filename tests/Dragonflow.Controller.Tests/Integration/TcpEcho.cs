using System.Diagnostics;
using Dragonflow.Testing;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// A one-connection TCP echo server inside a VM namespace (python3), upper-casing what it
/// receives; killed by its pid on dispose.
/// </summary>
public sealed class TcpEcho : IDisposable
{
    private const string Server =
        "import socket,sys\n" +
        "s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',int(sys.argv[1])));s.listen(1);s.settimeout(30)\n" +
        "print('listening',flush=True)\n" +
        "c,_=s.accept();c.sendall(c.recv(100).upper());c.close()\n";

    private const string Client =
        "import socket,sys\n" +
        "s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=5);s.sendall(b'hello dragonflow');print(s.recv(100).decode())\n";

    private readonly Process _process;

    private TcpEcho(Process process) => _process = process;

    public static TcpEcho Start(VmNamespace vm, int port)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", vm.Name, "python3", "-c", Server, port.ToString() }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        if (p.StandardOutput.ReadLine() != "listening")
        {
            p.Kill(true);
            throw new InvalidOperationException("echo server did not start: " + p.StandardError.ReadToEnd());
        }
        return new TcpEcho(p);
    }

    /// <summary>Connects from <paramref name="vm"/> and returns the reply (empty on failure).</summary>
    public static ProcessResult Connect(VmNamespace vm, string ip, int port) =>
        vm.Exec("python3", "-c", Client, ip, port.ToString());

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
