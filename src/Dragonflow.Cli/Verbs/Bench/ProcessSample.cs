using System.Globalization;
using System.Runtime.InteropServices;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary>
/// What /proc says of a process at one instant: CPU time used (user + system, all threads, the
/// exited ones included), the context switches of each live thread (each one is a thread going to
/// sleep or being preempted, so their rate is the wake-ups per second; a thread that ends between
/// two samples takes its count with it), and RSS.
/// </summary>
sealed record ProcessSample(DateTime Taken, double CpuSeconds, IReadOnlyDictionary<int, (string Name, long Switches)> Threads, long RssKb)
{
    const int ScClockTicks = 2; // _SC_CLK_TCK in glibc's <unistd.h>

    static readonly double TicksPerSecond = Sysconf(ScClockTicks) is > 0 and var t ? t : 100;

    public static ProcessSample Read(int pid)
    {
        var taken = DateTime.UtcNow;
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name, which is in parentheses and may hold spaces: utime and
        // stime are fields 14 and 15 of the whole line, so 12 and 13 after ")".
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        var threads = new Dictionary<int, (string, long)>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var n = ContextSwitchesOf(File.ReadAllLines(Path.Combine(task, "status")));
                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (File.ReadAllText(Path.Combine(task, "comm")).Trim(), n);
            }
            catch (IOException)
            {
                // the thread ended while being read
            }
        }
        return new ProcessSample(taken, ticks / TicksPerSecond, threads, RssKbOf(pid));
    }

    /// <summary>Share of one core used between <paramref name="earlier"/> and this sample, in percent.</summary>
    public double CpuPercentSince(ProcessSample earlier) => 100 * (CpuSeconds - earlier.CpuSeconds) / (Taken - earlier.Taken).TotalSeconds;

    public double WakeupsPerSecondSince(ProcessSample earlier) => SwitchesSince(earlier).Sum(t => t.Switches) / (Taken - earlier.Taken).TotalSeconds;

    /// <summary>Wake-ups per second by thread name (threads of one name summed), busiest first.</summary>
    public IEnumerable<(string Thread, double PerSecond)> BusiestThreadsSince(ProcessSample earlier)
    {
        var seconds = (Taken - earlier.Taken).TotalSeconds;
        return SwitchesSince(earlier).GroupBy(t => t.Name)
            .Select(g => (g.Key, g.Sum(t => t.Switches) / seconds))
            .Where(t => t.Item2 > 0)
            .OrderByDescending(t => t.Item2);
    }

    // Per live thread, its switches since the earlier sample (all of them for a thread born since).
    IEnumerable<(string Name, long Switches)> SwitchesSince(ProcessSample earlier) =>
        Threads.Select(kv => (kv.Value.Name, kv.Value.Switches - (earlier.Threads.TryGetValue(kv.Key, out var before) ? before.Switches : 0)));

    static long ContextSwitchesOf(string[] status) =>
        status.Where(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || l.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
            .Sum(l => long.Parse(l[(l.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture));

    static long RssKbOf(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l[6..].Replace("kB", "").Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();

    [DllImport("libc", EntryPoint = "sysconf")]
    static extern long Sysconf(int name);
}
