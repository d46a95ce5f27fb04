using Dragonflow.Controller.Flows;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.Testing;
using Microsoft.Extensions.Logging;
using static Dragonflow.Controller.Tests.Flows.TestFlows;

namespace Dragonflow.Controller.Tests.Flows;

/// <summary>The installer against a real ovs-vswitchd: deltas, sharing, rejection, idempotence.</summary>
public class FlowInstallerTests(ChassisFixture fixture) : IClassFixture<ChassisFixture>
{
    [Fact]
    public async Task SetReplaceAndClearReachTheSwitch()
    {
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        await using var installer = NewInstaller();
        await installer.AttachAsync(bridge.Connection);
        var canary = Assert.Single(bridge.DumpFlows());
        Assert.True(canary.IsCanary);
        Assert.Equal(CookieOf(AgingCanary.App, 1), canary.Cookie);
        Assert.Equal("drop", canary.Actions);

        installer.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 2), Jump(17, 100, 5, 64)]);
        installer.Set(L2, FlowOwner.Port("port-b"), [Forward(0, 100, 2, 1)]);
        await installer.FlushAsync();
        await bridge.WaitForFlowsAsync(f => f.Count == 4, "three flows and the canary");
        var flows = bridge.DumpFlows().Where(f => !f.IsCanary).ToList();
        Assert.All(flows, f => Assert.Equal(CookieOf(L2, 1), f.Cookie));
        Assert.Contains(flows, f => f is { Table: 0, Priority: 100, Match: "in_port=1", Actions: "output:2" });
        Assert.Contains(flows, f => f is { Table: 0, Priority: 100, Match: "in_port=2", Actions: "output:1" });
        Assert.Contains(flows, f => f is { Table: 17, Priority: 100, Match: "reg7=0x5", Actions: "goto_table:64" });

        // Replace port-a's flows: one changes its action, one goes away.
        installer.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 3)]);
        await installer.FlushAsync();
        await bridge.WaitForFlowsAsync(f => f.Count == 3 && f.Any(x => x is { Match: "in_port=1", Actions: "output:3" }),
            "port-a's new flow");
        Assert.DoesNotContain(bridge.DumpFlows(), f => f.Table == 17);
        Assert.Contains(bridge.DumpFlows(), f => f is { Match: "in_port=2", Actions: "output:1" });

        installer.Clear(L2, FlowOwner.Port("port-a"));
        await installer.FlushAsync();
        await bridge.WaitForFlowsAsync(f => f.Count == 2, "only port-b's flow and the canary");
        Assert.Contains(bridge.DumpFlows(), f => f is { Match: "in_port=2", Actions: "output:1" });
        var stats = installer.Stats;
        Assert.Equal((3, 1, 2), (stats.FlowsAdded, stats.FlowsModified, stats.FlowsDeleted));
        Assert.Equal((1, 1), (stats.DesiredFlows, stats.InstalledFlows));
    }

    [Fact]
    public async Task AFlowHasOneOwnerASecondIsRefusedLoudlyAndTakesOverOnlyWhenTheFirstLetsGo()
    {
        var log = new RecordingLogger();
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        await using var installer = NewInstaller(log);
        await installer.AttachAsync(bridge.Connection);

        // b asks first, a second: the holder is the least owner (a), whatever the order of events.
        installer.Set(L2, FlowOwner.Port("b"), [Forward(17, 50, 9, 11)]);
        installer.Set(L2, FlowOwner.Port("a"), [Forward(17, 50, 9, 10)]);
        await installer.FlushAsync();
        Assert.Single(bridge.DumpFlows(), f => f is { Table: 17, Match: "in_port=9", Actions: "output:10" });
        Assert.Equal(1, installer.Stats.FlowConflicts);
        var refused = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("one owner per flow", refused.Message);
        Assert.Contains("lport b", refused.Message);

        // The same flow from a second owner is a conflict too: one flow, one owner.
        installer.Set(L2, FlowOwner.Port("c"), [Forward(17, 50, 9, 10)]);
        Assert.Equal(2, installer.Stats.FlowConflicts);

        // The holder lets go: the next in order (b) takes over; then c once b lets go; nothing is left when all have.
        installer.Clear(L2, FlowOwner.Port("a"));
        await installer.FlushAsync();
        await bridge.WaitForFlowsAsync(f => f.Any(x => x is { Table: 17, Match: "in_port=9", Actions: "output:11" }), "b's version");
        installer.Clear(L2, FlowOwner.Port("b"));
        await installer.FlushAsync();
        await bridge.WaitForFlowsAsync(f => f.Any(x => x is { Table: 17, Match: "in_port=9", Actions: "output:10" }), "c's version");
        installer.Clear(L2, FlowOwner.Port("c"));
        await installer.FlushAsync();
        await bridge.WaitForFlowsAsync(f => !f.Any(x => x.Table == 17), "the flow gone");
        Assert.Equal(0, installer.Stats.DesiredFlows);
    }

    [Fact]
    public async Task ARejectedFlowIsReportedAndDoesNotBlockTheOthers()
    {
        var log = new RecordingLogger();
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        await using var installer = NewInstaller(log);
        await installer.AttachAsync(bridge.Connection);

        // Conntrack needs an IP match: OVS refuses ct on a flow that matches only a register.
        var noIp = new DesiredFlow(72, 100, Match.Of(MatchField.Register(7, 3)), InstructionSet.Apply([new Ct { RecircTable = 77 }]));
        installer.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 2)]);
        installer.Set(Sg, FlowOwner.Port("bad-port"), [noIp]);
        installer.Set(L2, FlowOwner.Port("port-b"), [Forward(0, 100, 2, 1), Jump(17, 100, 2, 64)]);
        await installer.FlushAsync();

        var flows = bridge.DumpFlows();
        Assert.Equal(4, flows.Count); // three good flows and the canary
        Assert.DoesNotContain(flows, f => f.Table == 72);
        var stats = installer.Stats;
        Assert.Equal((3, 1, 3, 4), (stats.FlowsAdded, stats.FlowsRejected, stats.InstalledFlows, stats.DesiredFlows));
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("table=72,priority=100,reg7=0x3 actions=ct(", error.Message);
        Assert.Contains("app sg", error.Message);
        Assert.Contains("bad-port", error.Message);

        // The rejected flow is not retried on every flush; fixing it installs it.
        await installer.FlushAsync();
        Assert.Equal(1, installer.Stats.FlowsRejected);
        installer.Set(Sg, FlowOwner.Port("bad-port"), [Jump(72, 100, 3, 77)]);
        await installer.FlushAsync();
        Assert.Contains(bridge.DumpFlows(), f => f is { Table: 72, Match: "reg7=0x3", Actions: "goto_table:77" });
    }

    [Fact]
    public async Task TheSameDesiredStateAppliedTwiceGivesAnIdenticalDump()
    {
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        await using var first = NewInstaller();
        await first.AttachAsync(bridge.Connection);
        Apply(first);
        await first.FlushAsync();
        var dump = bridge.DumpText();
        Assert.Equal(9, dump.Count);

        // Again on the same installer: nothing to send, nothing changes.
        var before = first.Stats;
        Apply(first);
        await first.FlushAsync();
        Assert.Equal(before, first.Stats);
        Assert.Equal(dump, bridge.DumpText());

        // Again by a new installer (a controller restart): the same flows, only the generation moved on.
        await first.DisposeAsync();
        var connection = await bridge.ReconnectAsync();
        await using var second = NewInstaller();
        Apply(second);
        await second.AttachAsync(connection);
        var again = bridge.DumpFlows();
        Assert.All(again, f => Assert.Equal(2u, f.Generation));
        Assert.Equal(WithoutGeneration(dump), WithoutGeneration(again.Select(f => f.ToString()).Order(StringComparer.Ordinal).ToList()));
        Assert.Equal((8, 0, 0), (second.Stats.FlowsRestamped, second.Stats.FlowsAdded, second.Stats.FlowsModified));

        static void Apply(FlowInstaller installer)
        {
            for (uint port = 1; port <= 4; port++)
                installer.Set(L2, FlowOwner.Port($"port-{port}"), [Forward(0, 100, port, port + 10), Jump(17, 100, port, 64)]);
        }

        static List<string> WithoutGeneration(IEnumerable<string> lines) =>
            lines.Select(l => System.Text.RegularExpressions.Regex.Replace(l, "^cookie=0x[0-9a-f]+", m =>
                $"app={(Convert.ToUInt64(m.Value[9..], 16) >> 56)}")).ToList();
    }

    [Fact]
    public async Task OneOwnersChangeSendsOnlyThatOwnersFlowMods()
    {
        await using var bridge = await ControlledBridge.CreateAsync(fixture.Chassis);
        await using var installer = NewInstaller();
        await installer.AttachAsync(bridge.Connection);
        const int owners = 200;
        for (uint i = 1; i <= owners; i++)
            installer.Set(L2, FlowOwner.Port($"port-{i}"), OwnerFlows(i));
        await installer.FlushAsync();
        Assert.Equal(owners * 3, installer.Stats.InstalledFlows);
        var before = installer.Stats;

        // Port 77: one flow changes, one goes, one comes, one stays; another owner re-sets the same flows.
        installer.Set(L2, FlowOwner.Port("port-77"), [
            Forward(0, 100, 77, 999),          // changed action
            Jump(17, 100, 77, 64),             // unchanged
            Forward(64, 100, 77, 1000),        // new
        ]);
        installer.Set(L2, FlowOwner.Port("port-78"), OwnerFlows(78));
        await installer.FlushAsync();

        var after = installer.Stats;
        Assert.Equal(1, after.FlowsAdded - before.FlowsAdded);
        Assert.Equal(1, after.FlowsModified - before.FlowsModified);
        Assert.Equal(1, after.FlowsDeleted - before.FlowsDeleted);
        Assert.Equal(1, after.Flushes - before.Flushes);
        Assert.Equal(0, after.Reconciles - before.Reconciles);
        Assert.Equal(owners * 3, after.InstalledFlows);

        var flows = bridge.DumpFlows();
        Assert.Equal(owners * 3 + 1, flows.Count);
        Assert.Contains(flows, f => f is { Table: 0, Match: "in_port=77", Actions: "output:999" });
        Assert.Contains(flows, f => f is { Table: 64, Match: "in_port=77", Actions: "output:1000" });
        Assert.DoesNotContain(flows, f => f is { Table: 64, Match: "reg7=0x4d" });

        static DesiredFlow[] OwnerFlows(uint i) =>
            [Forward(0, 100, i, i + 1000), Jump(17, 100, i, 64), new DesiredFlow(64, 100, Match.Of(MatchField.Register(7, i)), InstructionSet.Apply([new Output(i)]))];
    }
}
