using System.Diagnostics;
using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// A program started in a network namespace (`ip netns exec NS PROGRAM ...`) whose stdout is read
/// line by line while it runs, so a test can act on what it printed so far (e.g. the first ping
/// reply) instead of guessing with a delay. Dispose kills it by the pid it started, if it still runs.
/// </summary>
public sealed class RunningProgram : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _outputDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDisposable _ledger;

    private RunningProgram(Process process)
    {
        _process = process;
        _ledger = Leftovers.Process(process.Id);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) _outputDone.TrySetResult();
            else lock (_lines) _lines.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (_stderr) _stderr.Add(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static RunningProgram Start(string netns, string program, params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", netns, program }.Concat(args)) info.ArgumentList.Add(a);
        return new RunningProgram(Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start"));
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The stdout lines printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return [.. _lines];
        }
    }

    public string Output => string.Join('\n', Lines) + "\n" + string.Join('\n', Stderr());

    private List<string> Stderr()
    {
        lock (_stderr) return [.. _stderr];
    }

    /// <summary>Waits until a printed line matches; fails with what was printed once <paramref name="timeout"/> passes.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Lines.FirstOrDefault(predicate) is { } line) return line;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {what} within {timeout}:\n{Output}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits for the program to end by itself; returns its exit code and all its stdout.</summary>
    public async Task<(int ExitCode, string StdOut)> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the program did not end within {timeout}:\n{Output}");
        }
        await Task.WhenAny(_outputDone.Task, Task.Delay(2000));
        return (_process.ExitCode, string.Join('\n', Lines));
    }

    /// <summary>Kills the program (SIGKILL, by its pid) and returns what it printed.</summary>
    public async Task<string> KillAsync()
    {
        Kill();
        await Task.WhenAny(_outputDone.Task, Task.Delay(2000));
        return string.Join('\n', Lines);
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
            if (_process.HasExited) _ledger.Dispose();
        }
        catch (InvalidOperationException)
        {
            // Already gone (or disposed by an earlier call).
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
