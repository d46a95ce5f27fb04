using Dragonflow.Controller.Flows;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using static Dragonflow.Controller.Tests.Flows.TestFlows;

namespace Dragonflow.Controller.Tests.Flows;

/// <summary>
/// A flow with an idle timeout on a real ovs-vswitchd: when the switch expires it, FLOW_REMOVED
/// takes it out of the installer's view and its owner is told, and setting it again installs
/// it again (the installer does not believe the switch still has it).
/// </summary>
public class FlowExpiryTests(ChassisFixture fixture) : IClassFixture<ChassisFixture>
{
    [Fact]
    public async Task AFlowTheSwitchExpiresLeavesTheInstallerItsOwnerIsToldAndItCanBeSetAgain()
    {
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        await using var installer = NewInstaller();
        var expired = new TaskCompletionSource<(AppId App, FlowOwner Owner, DesiredFlow Flow)>(TaskCreationOptions.RunContinuationsAsynchronously);
        installer.FlowExpired += (app, owner, flow) => expired.TrySetResult((app, owner, flow));
        await installer.AttachAsync(bridge.Connection);

        var owner = FlowOwner.Port("hop-owner");
        var hop = new DesiredFlow(17, 300, Match.Of(MatchField.InPort(7)), InstructionSet.Apply([new Output(8)]), IdleTimeout: 1);
        var steady = Forward(0, 100, 1, 2);
        installer.Set(L2, owner, [hop]);
        installer.Set(L2, FlowOwner.Port("steady"), [steady]);
        await installer.FlushAsync();
        Assert.Contains(bridge.DumpFlows(), f => f.Table == 17 && f.Match.Contains("in_port=7", StringComparison.Ordinal));

        // No traffic: the switch removes it after its idle second (OVS checks about once a second).
        var (app, who, flow) = await expired.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal((L2, owner, hop), (app, who, flow));
        Assert.DoesNotContain(bridge.DumpFlows(), f => f.Table == 17);
        Assert.Empty(installer.Get(L2, owner));
        var stats = installer.Stats;
        Assert.Equal((1, 1, 1), (stats.FlowsExpired, stats.DesiredFlows, stats.InstalledFlows)); // the steady flow stays

        installer.Set(L2, owner, [hop]);
        await installer.FlushAsync();
        Assert.Contains(bridge.DumpFlows(), f => f.Table == 17 && f.Match.Contains("in_port=7", StringComparison.Ordinal));
        Assert.Equal(3, installer.Stats.FlowsAdded);
    }
}
