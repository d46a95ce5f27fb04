using System.Diagnostics;
using System.Text;

namespace Dragonflow.Testing.Backends;

/// <summary>
/// A database server binary started by a test, with its output kept for error messages.
/// Stop kills exactly the process it started, by its pid.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly IDisposable _ledger;

    private ServerProcess(Process process)
    {
        _process = process;
        _ledger = Leftovers.Process(process.Id);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ServerProcess Start(string executable, IEnumerable<string> args, string workingDirectory)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        return new ServerProcess(Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start"));
    }

    /// <summary>Waits until <paramref name="ready"/> holds; throws with the server's output if it exits or the deadline passes.</summary>
    public void WaitUntil(Func<bool> ready, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!ready())
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{what}: process {Pid} exited with {_process.ExitCode}: {Output}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not ready after {timeout}: {Output}");
            }
            Thread.Sleep(20);
        }
    }

    /// <summary>Kills the process (SIGKILL: an abrupt outage, as a crash would be) and waits for it.</summary>
    public void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
            if (_process.HasExited)
            {
                _ledger.Dispose();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone (or disposed by an earlier call).
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }
}
