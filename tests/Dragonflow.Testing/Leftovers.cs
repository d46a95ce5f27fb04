namespace Dragonflow.Testing;

/// <summary>
/// A ledger on disk of the processes and namespaces the tests start, for when the test process
/// itself is killed (a hang stopped by `dotnet test --blame-hang-timeout`): no dispose and no
/// exit handler runs then. Each entry is a file in the directory named by DF_TEST_LEFTOVERS,
/// removed again when its owner is gone; test.sh removes what the remaining entries name
/// (scripts/clean-leftovers.sh), a process only if its pid still has the recorded start time.
/// Without DF_TEST_LEFTOVERS (a single test run from an IDE) nothing is recorded.
/// </summary>
public static class Leftovers
{
    private static readonly string? Directory = Environment.GetEnvironmentVariable("DF_TEST_LEFTOVERS");

    /// <summary>Records a process by pid and start time; dispose once it has exited.</summary>
    public static IDisposable Process(int pid)
    {
        var start = StartTime(pid);
        return start is null ? Nothing.Instance : Record($"pid-{pid}", $"{pid} {start}");
    }

    /// <summary>Records a network namespace by name; dispose once it is deleted.</summary>
    public static IDisposable Namespace(string name) => Record($"netns-{name}", name);

    /// <summary>Field 22 of /proc/PID/stat, which tells a process from a later one given the same pid.</summary>
    public static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields[19] : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static IDisposable Record(string file, string line)
    {
        if (string.IsNullOrEmpty(Directory))
        {
            return Nothing.Instance;
        }
        var path = Path.Combine(Directory, file);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllText(path, line + "\n");
        }
        catch (IOException)
        {
            return Nothing.Instance;
        }
        return new Entry(path);
    }

    private sealed class Entry(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();

        public void Dispose()
        {
        }
    }
}
