using Dragonflow.Controller.Flows;
using static Dragonflow.Controller.Tests.Flows.TestFlows;

namespace Dragonflow.Controller.Tests.Flows;

/// <summary>apps_list without "aging": a (re)attached switch is reconciled by differences only.</summary>
public class ReconcileWithoutAgingTests(ChassisFixture fixture) : IClassFixture<ChassisFixture>
{
    [Fact]
    public async Task ANewInstallerWithoutAgingLeavesIdenticalFlowsAloneAndFixesTheRest()
    {
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        var first = NewInstaller();
        await first.AttachAsync(bridge.Connection);
        first.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 2), Jump(17, 100, 1, 64)]);
        first.Set(L2, FlowOwner.Port("port-b"), [Forward(0, 100, 2, 1)]);
        first.Set(Sg, FlowOwner.Port("sg-1"), [Jump(72, 10, 1, 77)]);
        await first.FlushAsync();
        fixture.Chassis.AddFlows(bridge.Name, "table=5,priority=7,cookie=0x300000000000001,actions=drop\n");
        await bridge.WaitForFlowsAsync(f => f.Count == 6, "five flows and the canary");
        // A flow's age restarts when it is rewritten (an ADD replaces it): let port-a's grow first.
        await Dragonflow.Testing.NorthDb.Poll.UntilAsync(() => AgeOf(bridge, "in_port=1") >= 1.0, TimeSpan.FromSeconds(10), "port-a's flow a second old");

        await first.DisposeAsync();
        var connection = await bridge.ReconnectAsync();
        await using var second = new FlowInstaller { Aging = false };
        second.Register(L2, [0, 17, 64]);
        second.Register(Sg, [72, 77]);
        second.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 2), Jump(17, 100, 1, 64)]);
        second.Set(L2, FlowOwner.Port("port-b"), [Forward(0, 100, 2, 3)]); // changed
        second.Set(L2, FlowOwner.Port("port-c"), [Forward(0, 100, 4, 1)]); // new
        // sg-1 is no longer wanted; the hand-made flow in table 5 is not either.
        await second.AttachAsync(connection);

        var flows = bridge.DumpFlows();
        Assert.Equal(5, flows.Count);
        // No generation switch: the canary and the untouched flows keep generation 1.
        Assert.Equal(CookieOf(AgingCanary.App, 1), Assert.Single(flows, f => f.IsCanary).Cookie);
        Assert.Contains(flows, f => f is { Table: 0, Match: "in_port=1", Actions: "output:2" } && f.Cookie == CookieOf(L2, 1));
        Assert.Contains(flows, f => f is { Table: 17, Match: "reg7=0x1", Actions: "goto_table:64" } && f.Cookie == CookieOf(L2, 1));
        Assert.Contains(flows, f => f is { Table: 0, Match: "in_port=2", Actions: "output:3" } && f.Cookie == CookieOf(L2, 1));
        Assert.Contains(flows, f => f is { Table: 0, Match: "in_port=4", Actions: "output:1" } && f.Cookie == CookieOf(L2, 1));
        Assert.DoesNotContain(flows, f => f.Table is 5 or 72);
        var (keptAge, changedAge) = (AgeOf(bridge, "in_port=1"), AgeOf(bridge, "in_port=2"));
        Assert.True(keptAge >= 1.0, $"port-a's identical flow was rewritten (age {keptAge} s)");
        Assert.True(changedAge < keptAge - 0.5, $"port-b's changed flow was not rewritten (age {changedAge} s, port-a's {keptAge} s)");
        var stats = second.Stats;
        Assert.Equal((1, 1u, 0, 1, 1, 2), (stats.Reconciles, stats.Generation, stats.FlowsRestamped, stats.FlowsModified,
            stats.FlowsAdded, stats.FlowsDeleted));
        Assert.Equal(4, stats.InstalledFlows);

        // Afterwards it keeps the switch in sync as usual.
        second.Clear(L2, FlowOwner.Port("port-a"));
        await second.FlushAsync();
        await bridge.WaitForFlowsAsync(f => f.Count == 3, "port-a's flows gone");
    }

    [Fact]
    public async Task WithoutAgingAnEmptySwitchGetsEverythingAndNoCanary()
    {
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        await using var installer = new FlowInstaller { Aging = false };
        installer.Register(L2, [0, 17, 64]);
        installer.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 2), Jump(17, 100, 1, 64)]);
        await installer.AttachAsync(bridge.Connection);
        var flows = bridge.DumpFlows();
        Assert.Equal(2, flows.Count);
        Assert.DoesNotContain(flows, f => f.IsCanary);
        Assert.All(flows, f => Assert.Equal(CookieOf(L2, 1), f.Cookie));
    }

    /// <summary>Seconds since the flow was (re)written: its dump's duration.</summary>
    private static double AgeOf(ControlledBridge bridge, string match)
    {
        var line = bridge.Chassis.Ofctl("dump-flows", bridge.Name, "table=0," + match).Split('\n').Single(l => l.Contains("actions=", StringComparison.Ordinal));
        var m = System.Text.RegularExpressions.Regex.Match(line, @"duration=([0-9.]+)s");
        return double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
