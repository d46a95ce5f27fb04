using Dragonflow.OpenFlow.Bench;
using Xunit.Abstractions;

namespace Dragonflow.OpenFlow.Tests.Integration;

/// <summary>The installation benchmark against a real ovs-vswitchd, and the ovs-ofctl text of the same flows.</summary>
public class OpenFlowBenchTests(OvsFixture fixture, ITestOutputHelper output) : IClassFixture<OvsFixture>
{
    [Fact]
    public async Task PipelinedInstallOfManyFlowsIsFastAndComplete()
    {
        await using var br = await fixture.ConnectBridgeAsync();
        var flows = SampleFlows.Generate(20_000, TestTables.Sample);
        var result = await OpenFlowBench.InstallPipelinedAsync(br.Connection, flows);
        output.WriteLine(result.ToString());
        Assert.Equal(20_000, (await br.Connection.GetTableStatsAsync()).Sum(t => (long)t.ActiveCount));
        // Userspace OVS takes ~100k flows/s from a tight sender; a tenth of that is a clear failure.
        Assert.True(result.FlowsPerSecond > 10_000, result.ToString());

        await OpenFlowBench.ClearAsync(br.Connection);
        Assert.Equal(0, (await br.Connection.GetTableStatsAsync()).Sum(t => (long)t.ActiveCount));

        var bundle = await OpenFlowBench.InstallBundleAsync(br.Connection, flows[..5_000]);
        output.WriteLine(bundle.ToString());
        Assert.Equal(5_000, (await br.Connection.GetTableStatsAsync()).Sum(t => (long)t.ActiveCount));

        await OpenFlowBench.ClearAsync(br.Connection);
        var single = await OpenFlowBench.InstallOneByOneAsync(br.Connection, flows[..200]);
        output.WriteLine(single.ToString());
        Assert.Equal(200, (await br.Connection.DumpFlowsAsync()).Count);
    }

    [Fact]
    public async Task OfctlTextInstallsTheSameFlowsAsOurEncoder()
    {
        await using var ours = await fixture.ConnectBridgeAsync();
        await using var theirs = await fixture.ConnectBridgeAsync();
        var flows = SampleFlows.Generate(400, TestTables.Sample);
        await ours.Connection.SendBatchAsync(flows);

        var file = Path.Combine(fixture.Chassis.RunDirectory, "flows.txt");
        await File.WriteAllTextAsync(file, SampleFlows.ToOfctlText(flows));
        fixture.Chassis.Ofctl("--bundle", "add-flows", theirs.Name, file);

        var a = (await ours.Connection.DumpFlowsAsync()).Select(f => f.ToString()).Order().ToList();
        var b = (await theirs.Connection.DumpFlowsAsync()).Select(f => f.ToString()).Order().ToList();
        Assert.Equal(400, a.Count);
        Assert.Equal(a, b);
    }
}
