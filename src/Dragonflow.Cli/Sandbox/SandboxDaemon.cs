using System.Runtime.InteropServices;

namespace Dragonflow.Cli.Sandbox;

/// <summary>
/// An OVS daemon we started with --detach, known by the pid in its pidfile. Stopping sends
/// SIGTERM (OVS then removes its sockets and pidfile), waits, then SIGKILL. Before any signal
/// /proc/PID/comm must still name the program, so a recycled pid is never hit.
/// </summary>
sealed class SandboxDaemon(string program, int pid)
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    public string Program { get; } = program;
    public int Pid { get; } = pid;

    public static async Task<SandboxDaemon> FromPidFileAsync(string program, string pidFile)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out var pid))
                return new SandboxDaemon(program, pid);
            if (DateTime.UtcNow > deadline) throw new SandboxException($"{program} wrote no pid to {pidFile}");
            await Task.Delay(20);
        }
    }

    public bool IsRunning
    {
        get
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{Pid}/stat");
                if (stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() == 'Z') return false; // exited, not yet reaped
                // comm is cut to 15 characters ("ovs-vswitchd" fits, but be lenient both ways).
                var comm = File.ReadAllText($"/proc/{Pid}/comm").Trim();
                return Program.StartsWith(comm, StringComparison.Ordinal) || comm.StartsWith(Program, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; returns once it is gone.</summary>
    public void Stop(TimeSpan grace)
    {
        if (!IsRunning) return;
        _ = kill(Pid, SigTerm);
        if (WaitForExit(grace)) return;
        Kill();
    }

    public void Kill()
    {
        if (IsRunning) _ = kill(Pid, SigKill);
        WaitForExit(TimeSpan.FromSeconds(3));
    }

    private bool WaitForExit(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsRunning)
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(20);
        }
        return true;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
