using System.Runtime.InteropServices;

namespace Dragonflow.Testing.Sandbox;

/// <summary>
/// A daemon we started with --detach, known by the pid in its pidfile. Stopping sends SIGTERM
/// (so OVS removes its sockets and pidfile), waits, then SIGKILL. Before signalling, the pid's
/// /proc/PID/comm must still name the program we started, so a recycled pid is never hit.
/// </summary>
public sealed class DaemonProcess
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    private IDisposable? _ledger;

    public DaemonProcess(string program, int pid)
    {
        Program = program;
        Pid = pid;
    }

    public string Program { get; }
    public int Pid { get; }

    public bool IsRunning
    {
        get
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{Pid}/stat");
                // A zombie (state Z after the ")") has exited already.
                var state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
                if (state == 'Z') return false;
                var comm = File.ReadAllText($"/proc/{Pid}/comm").Trim();
                return Program.StartsWith(comm, StringComparison.Ordinal) || comm.StartsWith(Program, StringComparison.Ordinal);
            }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }
    }

    public static DaemonProcess FromPidFile(string program, string pidFile)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
                return new DaemonProcess(program, pid) { _ledger = Leftovers.Process(pid) };
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"{program} wrote no pid to {pidFile}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Stops the daemon; returns once it is gone (or after SIGKILL).</summary>
    public void Stop(TimeSpan? grace = null)
    {
        if (IsRunning)
        {
            _ = kill(Pid, SigTerm);
            if (!WaitForExit(grace ?? TimeSpan.FromSeconds(3)))
            {
                if (IsRunning) _ = kill(Pid, SigKill);
                WaitForExit(TimeSpan.FromSeconds(3));
            }
        }
        Forget();
    }

    /// <summary>Kills without grace, as a crash would.</summary>
    public void Kill()
    {
        if (IsRunning) _ = kill(Pid, SigKill);
        WaitForExit(TimeSpan.FromSeconds(3));
        Forget();
    }

    /// <summary>Takes the daemon off the leftovers ledger once it is gone.</summary>
    private void Forget()
    {
        if (!IsRunning) _ledger?.Dispose();
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
