using System.Diagnostics;
using Dragonflow.Testing;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Ovsdb.Tests.Harness;

/// <summary>
/// scripts/clean-leftovers.sh, which test.sh runs after the suite: what a killed test process
/// recorded is removed, and only that — a pid that now belongs to another process is spared.
/// </summary>
public class LeftoversTests
{
    [Fact]
    public void TheLedgerCleanupKillsRecordedProcessesDeletesRecordedNamespacesAndSparesReusedPids()
    {
        var ledger = Directory.CreateTempSubdirectory("df-ledger-").FullName;
        using var recorded = Process.Start("sleep", "120");
        using var reused = Process.Start("sleep", "120");
        var netns = new SandboxNames().Next('l');
        try
        {
            File.WriteAllText(Path.Combine(ledger, $"pid-{recorded.Id}"), $"{recorded.Id} {Leftovers.StartTime(recorded.Id)}\n");
            // The same pid with another start time: the process recorded then has gone and the
            // kernel gave its pid to this one.
            File.WriteAllText(Path.Combine(ledger, $"pid-{reused.Id}"), $"{reused.Id} 1\n");
            ProcessRunner.RunChecked("ip", "netns", "add", netns);
            File.WriteAllText(Path.Combine(ledger, $"netns-{netns}"), netns + "\n");

            var run = ProcessRunner.RunChecked(Path.Combine(RepositoryRoot.Path, "scripts", "clean-leftovers.sh"), ledger);

            Assert.True(recorded.WaitForExit(5000), run.StdOut);
            Assert.False(reused.HasExited);
            Assert.DoesNotContain(netns, ProcessRunner.RunChecked("ip", "netns", "list").StdOut);
            Assert.Contains($"killing process {recorded.Id} (sleep)", run.StdOut);
            Assert.Empty(Directory.GetFiles(ledger));
        }
        finally
        {
            foreach (var p in new[] { recorded, reused })
                if (!p.HasExited) p.Kill();
            ProcessRunner.Run("ip", "netns", "del", netns);
            Directory.Delete(ledger, recursive: true);
        }
    }
}
