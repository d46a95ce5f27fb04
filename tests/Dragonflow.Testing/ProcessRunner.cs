using System.Diagnostics;
using System.Text;

namespace Dragonflow.Testing;

/// <summary>
/// Runs a program to completion with a deadline and captures its output. Every external
/// command a test runs (ip, ovs-vsctl, ping, ...) goes through here so that a hung command
/// fails the test with its output instead of hanging the run. A process that outlives its
/// deadline is killed (with its children) by the pid we started.
/// </summary>
public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static ProcessResult Run(string fileName, params string[] args) =>
        Run(fileName, args, timeout: null);

    public static ProcessResult Run(
        string fileName,
        IEnumerable<string> args,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? stdin = null) =>
        RunAsync(fileName, args, timeout, environment, stdin).GetAwaiter().GetResult();

    /// <summary>Like <see cref="Run(string, string[])"/> but throws unless the exit code is 0.</summary>
    public static ProcessResult RunChecked(string fileName, params string[] args) =>
        Run(fileName, args).EnsureSuccess();

    public static ProcessResult RunChecked(
        string fileName,
        IEnumerable<string> args,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? stdin = null) =>
        Run(fileName, args, timeout, environment, stdin).EnsureSuccess();

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> args,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? stdin = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        var commandLine = fileName + " " + string.Join(' ', psi.ArgumentList.Select(Quote));

        using var process = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var outDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => { if (e.Data is null) outDone.TrySetResult(); else lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is null) errDone.TrySetResult(); else lock (stderr) stderr.AppendLine(e.Data); };

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading its input; its exit code tells the rest.
        }

        var deadline = timeout ?? DefaultTimeout;
        var timedOut = false;
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            cts.CancelAfter(deadline);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.WaitForExit(2000);
            }
        }

        // A daemon that forked while keeping our pipes would hold them open forever;
        // give the readers a moment, then take what we have.
        await Task.WhenAny(Task.WhenAll(outDone.Task, errDone.Task), Task.Delay(2000, CancellationToken.None));
        string o, e;
        lock (stdout) o = stdout.ToString();
        lock (stderr) e = stderr.ToString();
        return new ProcessResult(commandLine, timedOut ? -1 : process.ExitCode, o, e, timedOut);
    }

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_./:=,@+%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}
