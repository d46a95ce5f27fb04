using System.Diagnostics;
using System.Threading.Channels;

namespace Dragonflow.Testing.NorthDb;

/// <summary>
/// A process started by a test (a .NET assembly run with `dotnet`), with line-based stdin and
/// stdout. Dispose kills it (and its children) by the process it started, also when the test fails.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stderr = [];
    private readonly IDisposable _ledger;

    private ChildProcess(Process process)
    {
        _process = process;
        _ledger = Leftovers.Process(process.Id);
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.Writer.TryComplete();
            }
            else
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.Add(e.Data);
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    /// <summary>Runs `dotnet ASSEMBLY ARGS...`.</summary>
    public static ChildProcess StartDotnet(string assemblyPath, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    public void SendLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>The next stdout line matching <paramref name="predicate"/>; fails after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token);
                if (predicate(line))
                {
                    return line;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"process {Pid} printed no expected line within {timeout}; stderr: {StandardError}");
        }
    }

    /// <summary>All remaining stdout lines once the process exits; fails if it does not exit in time or exits non-zero.</summary>
    public async Task<IReadOnlyList<string>> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var lines = new List<string>();
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(cts.Token))
            {
                lines.Add(line);
            }
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"process {Pid} did not exit within {timeout}; stderr: {StandardError}");
        }
        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"process {Pid} exited with {_process.ExitCode}; stderr: {StandardError}");
        }
        return lines;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
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
        _process.Dispose();
    }
}
