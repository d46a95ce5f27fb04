using System.Text.RegularExpressions;
using Dragonflow.Controller.Flows;
using Dragonflow.Testing.Sandbox;
using static Dragonflow.Controller.Tests.Flows.TestFlows;

namespace Dragonflow.Controller.Tests.Flows;

/// <summary>Aging: a (re)attached switch ends with exactly the desired flows, without a gap in traffic.</summary>
public class ReconcileTests(ChassisFixture fixture) : IClassFixture<ChassisFixture>
{
    [Fact]
    public async Task ANewInstallerRemovesWhatItNoLongerWantsAndRestampsTheRest()
    {
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        var first = NewInstaller();
        await first.AttachAsync(bridge.Connection);
        first.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 2), Jump(17, 100, 1, 64)]);
        first.Set(L2, FlowOwner.Port("port-b"), [Forward(0, 100, 2, 1)]);
        first.Set(Sg, FlowOwner.Port("sg-1"), [Jump(72, 10, 1, 77)]);
        await first.FlushAsync();
        Assert.All(bridge.DumpFlows(), f => Assert.Equal(1u, f.Generation));
        // Something nobody asked for (an operator's or an older controller's flow).
        fixture.Chassis.AddFlows(bridge.Name, "table=5,priority=7,cookie=0x300000000000001,actions=drop\n");
        Assert.Equal(6, bridge.DumpFlows().Count);

        // Our side restarts: the old installer is gone, the switch keeps its flows and reconnects.
        await first.DisposeAsync();
        var connection = await bridge.ReconnectAsync();
        await using var second = NewInstaller();
        second.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 2), Jump(17, 100, 1, 64)]);
        second.Set(L2, FlowOwner.Port("port-b"), [Forward(0, 100, 2, 1)]);
        // sg-1 is no longer wanted.
        await second.AttachAsync(connection);

        var flows = bridge.DumpFlows();
        Assert.Equal(4, flows.Count);
        Assert.All(flows, f => Assert.Equal(2u, f.Generation));
        Assert.Equal(CookieOf(AgingCanary.App, 2), Assert.Single(flows, f => f.IsCanary).Cookie);
        Assert.Contains(flows, f => f is { Table: 0, Match: "in_port=1", Actions: "output:2" } && f.Cookie == CookieOf(L2, 2));
        Assert.Contains(flows, f => f is { Table: 0, Match: "in_port=2", Actions: "output:1" });
        Assert.Contains(flows, f => f is { Table: 17, Match: "reg7=0x1", Actions: "goto_table:64" });
        Assert.DoesNotContain(flows, f => f.Table is 5 or 72);
        var stats = second.Stats;
        Assert.Equal((1, 2u, 3, 2, 0, 0), (stats.Reconciles, stats.Generation, stats.FlowsRestamped, stats.FlowsDeleted,
            stats.FlowsAdded, stats.FlowsModified));

        // After the reconcile it keeps the switch in sync with the new generation.
        second.Set(Sg, FlowOwner.Port("sg-2"), [Jump(72, 10, 2, 77)]);
        await second.FlushAsync();
        Assert.Contains(bridge.DumpFlows(), f => f is { Table: 72, Match: "reg7=0x2" } && f.Cookie == CookieOf(Sg, 2));
    }

    [Fact]
    public async Task FlowsComeBackAfterVswitchdRestarts()
    {
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        await using var installer = NewInstaller();
        await installer.AttachAsync(bridge.Connection);
        installer.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 2), Jump(17, 100, 1, 64)]);
        await installer.FlushAsync();
        Assert.Equal(3, bridge.DumpFlows().Count);

        fixture.Chassis.StopVswitchd();
        await bridge.Connection.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        // Changes while the switch is away are kept, and flushing them is harmless.
        installer.Set(L2, FlowOwner.Port("port-b"), [Forward(0, 100, 2, 1)]);
        installer.Clear(L2, FlowOwner.Port("port-a"));
        installer.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 3)]);
        await installer.FlushAsync();

        fixture.Chassis.StartVswitchd();
        var connection = await bridge.AcceptAsync();
        await installer.AttachAsync(connection);

        var flows = bridge.DumpFlows();
        Assert.Equal(3, flows.Count);
        Assert.Contains(flows, f => f is { Table: 0, Match: "in_port=1", Actions: "output:3" });
        Assert.Contains(flows, f => f is { Table: 0, Match: "in_port=2", Actions: "output:1" });
        // The new vswitchd had no canary; the generation still moves past ours.
        Assert.All(flows, f => Assert.Equal(2u, f.Generation));
        Assert.Equal((2, 2u, 2), (installer.Stats.Reconciles, installer.Stats.Generation, installer.Stats.InstalledFlows));
    }

    [Fact]
    public async Task ADisconnectDuringAFlushLeavesTheChangesForTheNextAttach()
    {
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        await using var installer = NewInstaller();
        await installer.AttachAsync(bridge.Connection);
        installer.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 2)]);
        await installer.FlushAsync();
        var before = installer.Stats;

        // A frozen vswitchd never answers the barrier.
        var pid = fixture.Chassis.VswitchdPid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Dragonflow.Testing.ProcessRunner.RunChecked("kill", "-STOP", pid);
        try
        {
            installer.Set(L2, FlowOwner.Port("port-b"), [Forward(0, 100, 2, 1)]);
            installer.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 3)]);
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => installer.FlushAsync(cts.Token));

            var flushing = installer.FlushAsync();
            await Task.Delay(300);
            Assert.False(flushing.IsCompleted);
            await bridge.Connection.DisposeAsync();
            await flushing.WaitAsync(TimeSpan.FromSeconds(10)); // completes, does not throw
            Assert.Equal(before with { DesiredFlows = 2 }, installer.Stats);
        }
        finally
        {
            Dragonflow.Testing.ProcessRunner.RunChecked("kill", "-CONT", pid);
        }

        var connection = await bridge.AcceptAsync();
        await installer.AttachAsync(connection);
        var flows = bridge.DumpFlows();
        Assert.Equal(3, flows.Count);
        Assert.Contains(flows, f => f is { Table: 0, Match: "in_port=1", Actions: "output:3" });
        Assert.Contains(flows, f => f is { Table: 0, Match: "in_port=2", Actions: "output:1" });
        Assert.All(flows, f => Assert.Equal(2u, f.Generation));
    }

    [Fact]
    public async Task PingBetweenTwoVmsLosesNothingWhileANewInstallerTakesOver()
    {
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        using var vm1 = VmNamespace.Create(fixture.Chassis, new VmOptions { Mac = "fa:16:3e:00:10:01", IpCidr = "10.77.0.1/24", Bridge = bridge.Name });
        using var vm2 = VmNamespace.Create(fixture.Chassis, new VmOptions { Mac = "fa:16:3e:00:10:02", IpCidr = "10.77.0.2/24", Bridge = bridge.Name });
        var (p1, p2) = ((uint)vm1.Ofport, (uint)vm2.Ofport);

        var first = NewInstaller();
        await first.AttachAsync(bridge.Connection);
        first.Set(L2, FlowOwner.Port("vm1"), [Forward(0, 100, p1, p2)]);
        first.Set(L2, FlowOwner.Port("vm2"), [Forward(0, 100, p2, p1)]);
        await first.FlushAsync();
        Assert.True(vm1.WaitForPing("10.77.0.2", TimeSpan.FromSeconds(10)), fixture.Chassis.Diagnostics());

        // 200 echo requests, one every 50 ms (10 s, far longer than a takeover); -w makes ping wait
        // for every reply (up to 60 s) rather than give up on a late one shortly after the last send.
        using var ping = Integration.RunningProgram.Start(vm1.Namespace.Name, "ping", "-c", "200", "-i", "0.05", "-w", "60", "10.77.0.2");
        await ping.WaitForLineAsync(IsReply, TimeSpan.FromSeconds(10), "first ping reply");
        await Task.Delay(500);

        await first.DisposeAsync();
        var connection = await bridge.ReconnectAsync();
        await using var second = NewInstaller();
        second.Set(L2, FlowOwner.Port("vm1"), [Forward(0, 100, p1, p2)]);
        second.Set(L2, FlowOwner.Port("vm2"), [Forward(0, 100, p2, p1)]);
        await second.AttachAsync(connection);
        var repliesBeforeTakeover = ping.Lines.Count(IsReply);
        Assert.False(ping.HasExited, "the takeover must happen while the ping runs");

        var (_, stdout) = await ping.WaitForExitAsync(TimeSpan.FromSeconds(90));
        var summary = Regex.Match(stdout, @"(\d+) packets transmitted, (\d+) received");
        Assert.True(summary.Success, stdout);
        Assert.Equal("200", summary.Groups[1].Value);
        Assert.Equal("200", summary.Groups[2].Value);
        Assert.True(ping.Lines.Count(IsReply) > repliesBeforeTakeover, "replies after the takeover");
        // The ping really crossed the re-stamped flows.
        var flows = bridge.DumpFlows();
        Assert.Equal(3, flows.Count);
        Assert.All(flows, f => Assert.Equal(2u, f.Generation));
        Assert.Equal(2, second.Stats.FlowsRestamped);
    }

    private static bool IsReply(string line) => line.Contains("bytes from", StringComparison.Ordinal);
}
