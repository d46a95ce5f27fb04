using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Dragonflow.Testing.Sandbox;

/// <summary>
/// A named Linux network namespace, created by us and deleted by its recorded name on
/// Dispose (veths inside die with it). Commands run inside through `ip netns exec`.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private readonly IDisposable _exitGuard;
    private readonly IDisposable _ledger;
    private bool _disposed;

    private NetworkNamespace(string name)
    {
        Name = name;
        _exitGuard = ExitCleanup.Register($"netns {name}", () => Delete(name));
        _ledger = Leftovers.Namespace(name);
    }

    public string Name { get; }

    public static NetworkNamespace Create(string name)
    {
        if (name.Length > 15) throw new ArgumentException($"namespace name '{name}' is longer than 15 characters");
        ProcessRunner.RunChecked("ip", "netns", "add", name);
        var ns = new NetworkNamespace(name);
        try
        {
            ns.ExecChecked("ip", "link", "set", "lo", "up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>Runs a program inside the namespace.</summary>
    public ProcessResult Exec(string program, params string[] args) => Exec(program, args, timeout: null);

    public ProcessResult Exec(string program, IEnumerable<string> args, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null, string? stdin = null) =>
        ProcessRunner.Run("ip", new[] { "netns", "exec", Name, program }.Concat(args), timeout, environment, stdin);

    public Task<ProcessResult> ExecAsync(string program, IEnumerable<string> args, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync("ip", new[] { "netns", "exec", Name, program }.Concat(args), timeout, null, null, cancellationToken);

    public ProcessResult ExecChecked(string program, params string[] args) => Exec(program, args).EnsureSuccess();

    /// <summary>Sets sysctls inside the namespace (e.g. net.ipv4.conf.all.arp_ignore=1).</summary>
    public void Sysctl(params string[] assignments) =>
        ExecChecked("sysctl", new[] { "-qw" }.Concat(assignments).ToArray());

    /// <summary>
    /// Runs <paramref name="create"/> on a fresh thread that entered this namespace (setns) and
    /// returns its result; the thread then ends. A socket stays in the namespace it was created
    /// in, so a listener created here is reachable from inside the namespace (on its own
    /// 127.0.0.1) while the test uses it from any thread. Keep <paramref name="create"/> to
    /// creating sockets: threads started from it would inherit the namespace.
    /// </summary>
    public T Enter<T>(Func<T> create)
    {
        T? result = default;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path.Combine("/var/run/netns", Name));
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new InvalidOperationException($"setns into {Name} failed: errno {Marshal.GetLastPInvokeError()}");
                result = create();
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        }) { IsBackground = true, Name = $"netns {Name}" };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result!;
    }

    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Delete(Name);
        _exitGuard.Dispose();
        _ledger.Dispose();
    }

    /// <summary>Deletes the namespace and its /etc/netns/NAME files (resolv.conf etc.), if any.</summary>
    private static void Delete(string name)
    {
        ProcessRunner.Run("ip", "netns", "del", name);
        var etc = Path.Combine("/etc/netns", name);
        try
        {
            if (Directory.Exists(etc)) Directory.Delete(etc, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
