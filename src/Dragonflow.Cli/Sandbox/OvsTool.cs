using System.ComponentModel;
using System.Diagnostics;

namespace Dragonflow.Cli.Sandbox;

/// <summary>
/// Runs one OVS command-line tool (ovs-vsctl, ovs-ofctl, ovsdb-tool, or a daemon that detaches)
/// to completion with a deadline, in the environment of a sandbox run directory. Returns its
/// standard output; throws with its standard error when it fails, and a
/// <see cref="MissingPrerequisiteException"/> when it cannot be started at all. A tool that
/// outlives its deadline or the cancellation is killed by the pid we started.
/// </summary>
static class OvsTool
{
    public static async Task<string> RunAsync(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        var commandLine = $"{program} {string.Join(' ', start.ArgumentList)}";

        using var process = Start(start, program);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            cancellationToken.ThrowIfCancellationRequested();
            throw new SandboxException($"`{commandLine}` did not finish within {timeout.TotalSeconds:F0} s");
        }
        // A daemon that detaches closes our pipes in its child a moment after the parent exits;
        // the bound only keeps a tool that hands them on for good from holding us. It is generous
        // because the end of a tool's output can lag its exit on a busy machine.
        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None)).ConfigureAwait(false);
        var err = stderr.IsCompletedSuccessfully ? stderr.Result.Trim() : "";
        if (process.ExitCode != 0)
            throw new SandboxException($"`{commandLine}` exited {process.ExitCode}: {err}");
        return stdout.IsCompletedSuccessfully ? stdout.Result : "";
    }

    static Process Start(ProcessStartInfo start, string program)
    {
        try
        {
            return Process.Start(start) ?? throw new SandboxException($"cannot start {program}");
        }
        catch (Win32Exception e)
        {
            throw OvsPrerequisites.CannotStart(program, e);
        }
    }
}

/// <summary>The sandbox switch could not be started, driven or stopped.</summary>
sealed class SandboxException(string message) : Exception(message);
