using System.Diagnostics;
using System.Threading.Channels;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary>
/// A <c>dragonflow</c> process a bench starts, as deployed (this same executable: dotnet +
/// dragonflow.dll, or the apphost). Its output is drained so it never blocks on a full pipe, and
/// its lines can be waited for. Disposing kills it if it still runs, and so does this process' exit.
/// </summary>
sealed class BenchChild : IAsyncDisposable
{
    readonly Process _process;
    const int TailLines = 30;

    readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    readonly Queue<string> _tail = new();

    BenchChild(Process process)
    {
        _process = process;
        // A bench ended by SIGTERM runs no finally blocks: the child goes with it all the same.
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;
    }

    void KillOnExit(object? sender, EventArgs e)
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already reaped
        }
    }

    public int Pid => _process.Id;

    public static BenchChild Start(params string[] arguments)
    {
        var host = Environment.ProcessPath!;
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(typeof(BenchChild).Assembly.Location);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var child = new BenchChild(Process.Start(info)!);
        child._process.OutputDataReceived += (_, e) => child.Take(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Take(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    void Take(string? line)
    {
        if (line is null) return;
        _lines.Writer.TryWrite(line);
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLines) _tail.Dequeue();
        }
    }

    /// <summary>Its last lines of output, for the error report of a bench that could not finish.</summary>
    public string Tail()
    {
        lock (_tail) return string.Join("\n", _tail);
    }

    /// <summary>The first line from now on that satisfies <paramref name="wanted"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> wanted, TimeSpan timeout, string what, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(deadline.Token))
                if (wanted(line)) return line;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:F0} s" + (_process.HasExited ? $" (pid {Pid} exited with {_process.ExitCode})" : ""));
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }
        _process.Dispose();
    }
}
