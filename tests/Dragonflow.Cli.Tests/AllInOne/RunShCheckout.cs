using System.Diagnostics;
using System.Text;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests.AllInOne;

/// <summary>
/// A fresh <c>git clone</c> of the repository's HEAD in a temporary directory, where
/// <c>./run.sh</c> runs as a user would run it. The clone is built once (the first
/// <c>./dragonflow</c> call builds it); on dispose a <c>./run.sh --down</c> removes whatever a
/// failed test left, then the clone is deleted.
/// </summary>
public sealed class RunShCheckout : IDisposable
{
    public RunShCheckout()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("df-runsh-").FullName;
        ProcessRunner.RunChecked("git", ["clone", "--quiet", "--no-hardlinks", RepositoryRoot.Path, Directory], TimeSpan.FromMinutes(2));
        BuildOutput = ProcessRunner.RunChecked(Path.Combine(Directory, "dragonflow"), ["--help"], TimeSpan.FromMinutes(6));
    }

    public string Directory { get; }

    public string RunSh => Path.Combine(Directory, "run.sh");

    public ProcessResult BuildOutput { get; }

    /// <summary>Runs <c>./run.sh ARGS</c> to completion.</summary>
    public ProcessResult Run(TimeSpan timeout, params string[] args) => ProcessRunner.Run(RunSh, args, timeout);

    /// <summary>Processes whose command line mentions the clone (every process run.sh starts names a
    /// file under its var/run), as "pid: command line".</summary>
    public IReadOnlyList<string> LiveProcesses()
    {
        var found = new List<string>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                if (cmdline.Contains(Directory, StringComparison.Ordinal) && !IsZombie(dir)) found.Add($"{pid}: {cmdline}");
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    private static bool IsZombie(string procDir) =>
        File.ReadAllLines(Path.Combine(procDir, "status")).Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z'));

    /// <summary>Network namespaces and /etc/netns entries whose name starts with <paramref name="token"/>.</summary>
    public static IReadOnlyList<string> Namespaces(string token)
    {
        var names = ProcessRunner.RunChecked("ip", "netns", "list").StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0])
            .Where(n => n.StartsWith(token, StringComparison.Ordinal))
            .Select(n => "namespace " + n)
            .ToList();
        if (System.IO.Directory.Exists("/etc/netns"))
            names.AddRange(System.IO.Directory.EnumerateDirectories("/etc/netns", token + "*").Select(d => "directory " + d));
        return names;
    }

    /// <summary>Whether something listens on TCP <paramref name="port"/> of the host.</summary>
    public static bool PortInUse(int port) =>
        ProcessRunner.RunChecked("ss", "-Htln", $"sport = :{port}").StdOut.Trim().Length > 0;

    /// <summary>Starts <c>./run.sh</c> (the interactive mode) with its output collected.</summary>
    public RunningRunSh Start() => new(RunSh, Directory);

    public void Dispose()
    {
        if (File.Exists(Path.Combine(Directory, "var", "run", "state")))
        {
            var down = Run(TimeSpan.FromMinutes(2), "--down");
            if (!down.Succeeded) Console.Error.WriteLine($"run.sh --down after the tests: {down}");
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"could not remove {Directory}: {e.Message}");
        }
    }
}

/// <summary>A <c>./run.sh</c> running in the background; its output so far is in <see cref="Output"/>.</summary>
public sealed class RunningRunSh : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _stdout;
    private readonly Task _stderr;

    public RunningRunSh(string runSh, string workingDirectory)
    {
        var start = new ProcessStartInfo(runSh)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("cannot start run.sh");
        _stdout = Pump(_process.StandardOutput);
        _stderr = Pump(_process.StandardError);
    }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    private Task Pump(StreamReader reader) => Task.Run(async () =>
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (_output) _output.AppendLine(line);
    });

    /// <summary>Waits until the output contains <paramref name="text"/>; fails if run.sh exits first.</summary>
    public void WaitFor(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) Assert.Fail($"run.sh exited ({_process.ExitCode}) before printing \"{text}\":\n{Output}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"run.sh did not print \"{text}\" within {timeout.TotalSeconds:F0} s:\n{Output}");
            Thread.Sleep(200);
        }
    }

    /// <summary>Sends a signal to run.sh (only to its pid) and waits for it to exit; returns its exit code.</summary>
    public int Signal(string signal, TimeSpan timeout)
    {
        ProcessRunner.RunChecked("kill", $"-{signal}", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!_process.WaitForExit(timeout)) Assert.Fail($"run.sh did not exit within {timeout.TotalSeconds:F0} s of SIG{signal}:\n{Output}");
        Task.WaitAll([_stdout, _stderr], TimeSpan.FromSeconds(10));
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            // A test that failed half way: stop run.sh as Ctrl-C would, so it removes what it made.
            try
            {
                ProcessRunner.Run("kill", "-INT", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
                _process.WaitForExit(TimeSpan.FromSeconds(60));
            }
            catch (InvalidOperationException)
            {
            }
        }
        _process.Dispose();
    }
}
