using System.Diagnostics;
using Dragonflow.Testing;

namespace Dragonflow.Ovsdb.Tests.Harness;

/// <summary>The test harness's process runner: whole output, and no hang on a daemon left behind.</summary>
public class ProcessRunnerTests
{
    [Fact]
    public void LongOutputComesBackWhole()
    {
        var run = ProcessRunner.RunChecked("seq", "1", "200000");
        var lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(200000, lines.Length);
        Assert.Equal("200000", lines[^1]);
    }

    [Fact]
    public void AChildLeftHoldingThePipesDoesNotHoldTheRunnerAndTheOutputIsKept()
    {
        var clock = Stopwatch.StartNew();
        // The background sleep inherits stdout and stderr and outlives the shell.
        var run = ProcessRunner.RunChecked("sh", "-c", "echo first; sleep 60 & echo $!; echo last >&2");
        var elapsed = clock.Elapsed;
        var lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            Assert.Equal("first", lines[0]);
            Assert.Equal("last", run.StdErr.Trim());
            Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed}");
        }
        finally
        {
            if (lines.Length > 1 && int.TryParse(lines[1], out var pid))
            {
                try
                {
                    using var child = Process.GetProcessById(pid);
                    child.Kill();
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
            }
        }
        Assert.Equal(2, lines.Length);
    }
}
