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

        process.Start();
        // Threads of their own read the output, not the thread pool: a busy pool must not leave
        // output unread when the program has ended.
        var outDone = ReadLines(process.StandardOutput, stdout);
        var errDone = ReadLines(process.StandardError, stderr);
        var outPipe = PipeWriters.PipeName(process.StandardOutput.BaseStream);
        var errPipe = PipeWriters.PipeName(process.StandardError.BaseStream);
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

        // The output ends when every process holding the pipes has closed them, normally at once.
        // A daemon the program left behind may hold them for good: then what we read is all the
        // program wrote. Output that does not end while nothing else holds the pipes would be
        // cut short: that fails loudly rather than pass for the whole output.
        var ended = Task.WhenAll(outDone, errDone);
        var waiting = Stopwatch.StartNew();
        while (!ended.IsCompleted)
        {
            await Task.WhenAny(ended, Task.Delay(200, CancellationToken.None));
            if (ended.IsCompleted) break;
            if (waiting.Elapsed >= DaemonGrace && HeldByAnother(outPipe, outDone) && HeldByAnother(errPipe, errDone)) break;
            if (waiting.Elapsed >= OutputDeadline)
            {
                string soFar;
                lock (stdout) soFar = stdout.ToString();
                throw new IOException($"`{commandLine}` ended but its output did not end within {OutputDeadline.TotalSeconds:F0} s " +
                    $"while nothing else held the pipes; output so far:\n{soFar}");
            }
        }
        string o, e;
        lock (stdout) o = stdout.ToString();
        lock (stderr) e = stderr.ToString();
        return new ProcessResult(commandLine, timedOut ? -1 : process.ExitCode, o, e, timedOut);
    }

    /// <summary>How long the output may go on after the program ended before a process still
    /// holding the pipes is taken for a daemon it left behind.</summary>
    private static readonly TimeSpan DaemonGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long the output may take to end after the program ended (a busy machine).</summary>
    private static readonly TimeSpan OutputDeadline = TimeSpan.FromSeconds(30);

    private static bool HeldByAnother(string? pipe, Task readerDone) =>
        readerDone.IsCompleted || (pipe is not null && PipeWriters.HeldByAnotherProcess(pipe));

    /// <summary>Reads <paramref name="reader"/> line by line into <paramref name="sink"/> on a thread of its own, until its end.</summary>
    private static Task ReadLines(StreamReader reader, StringBuilder sink)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                while (reader.ReadLine() is { } line)
                    lock (sink) sink.AppendLine(line);
            }
            catch (Exception)
            {
                // The reader was disposed under us (the runner returned while a daemon held the
                // pipe): nothing more to read. Nothing may escape a thread, it would end the test run.
            }
            finally
            {
                done.TrySetResult();
            }
        })
        { IsBackground = true, Name = "process-output" }.Start();
        return done.Task;
    }

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_./:=,@+%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}
