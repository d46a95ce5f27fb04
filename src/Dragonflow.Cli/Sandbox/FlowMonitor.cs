using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Dragonflow.Cli.Sandbox;

/// <summary>
/// <c>ovs-ofctl monitor BRIDGE watch:</c> on a sandbox bridge: an OpenFlow flow monitor, as an
/// operator would watch flows arrive. Remembers when the first added flow matching each
/// destination MAC was reported (<see cref="Stopwatch"/> timestamps, taken as the line is read).
/// Disposing kills the monitor by the pid we started.
/// </summary>
sealed partial class FlowMonitor : IDisposable
{
    readonly Process _process;
    readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _firstByMac = new(StringComparer.OrdinalIgnoreCase);
    readonly Task _reader;
    readonly Queue<string> _tail = new();

    FlowMonitor(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadAsync);
    }

    public static FlowMonitor Start(string ofctl, string bridge, IReadOnlyDictionary<string, string> environment)
    {
        // stdbuf: ovs-ofctl's stdout is a pipe here, which stdio would buffer by the block.
        var start = new ProcessStartInfo("stdbuf") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-oL", ofctl, "-O", "OpenFlow13", "monitor", bridge, "watch:" }) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        var process = Process.Start(start) ?? throw new SandboxException($"cannot start {ofctl} monitor");
        var monitor = new FlowMonitor(process);
        process.ErrorDataReceived += (_, e) => monitor.Take(e.Data);
        process.BeginErrorReadLine();
        return monitor;
    }

    /// <summary>Completes with the timestamp of the first flow added with <c>dl_dst=<paramref name="mac"/></c>.</summary>
    public Task<long> FirstFlowTo(string mac) => Slot(mac).Task;

    public bool HasExited => _process.HasExited;

    /// <summary>The monitor's last lines of output, for the error report of a bench that could not finish.</summary>
    public string Tail()
    {
        lock (_tail) return string.Join("\n", _tail);
    }

    void Remember(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > 10) _tail.Dequeue();
        }
    }

    TaskCompletionSource<long> Slot(string mac) =>
        _firstByMac.GetOrAdd(mac, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line) Take(line);
    }

    // The updates after the initial dump come on stderr: ovs-ofctl prints what the switch sends
    // unasked there.
    void Take(string? line)
    {
        if (line is null) return;
        var seen = Stopwatch.GetTimestamp();
        Remember(line);
        if (!line.Contains("event=ADDED", StringComparison.Ordinal)) return;
        foreach (Match m in DestinationMac().Matches(line))
            Slot(m.Groups[1].Value).TrySetResult(seen);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
        _reader.Wait(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }

    [GeneratedRegex(@"dl_dst=([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})\b")]
    private static partial Regex DestinationMac();
}
