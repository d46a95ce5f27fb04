using Dragonflow.Server.Bench;

namespace Dragonflow.Server.Tests;

/// <summary>The `dragonflow bench api` logic with a small N: it runs end to end and reports sane figures (no timing asserted).</summary>
public class ApiBenchmarkTests
{
    [Fact]
    public async Task Bench_creates_the_ports_and_lists_them_all_and_one_by_device()
    {
        var lines = new List<string>();
        var r = await ApiBenchmark.RunAsync(new ApiBenchOptions { Ports = 60, Clients = 3, ListSamples = 2, FilteredSamples = 3 }, lines.Add);
        Assert.Equal(60, r.Ports);
        Assert.Equal(60, r.FullListCount);
        Assert.Equal(1, r.FilteredCount);
        Assert.True(r.CreatesPerSecond > 0);
        Assert.Contains(lines, l => l.Contains("60 ports created"));
    }
}
