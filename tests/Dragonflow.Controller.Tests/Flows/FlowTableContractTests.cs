using Dragonflow.Controller.Flows;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using static Dragonflow.Controller.Tests.Flows.TestFlows;

namespace Dragonflow.Controller.Tests.Flows;

/// <summary>What apps rely on without a switch: declared tables, owners, Get/Clear.</summary>
public class FlowTableContractTests
{
    [Fact]
    public void AFlowOutsideTheAppsTablesIsRefusedNamingAppAndTable()
    {
        var installer = NewInstaller();
        installer.Set(Sg, FlowOwner.Port("sg-1"), [Forward(72, 10, 1, 2)]);

        var e = Assert.Throws<InvalidOperationException>(() =>
            installer.Set(Sg, FlowOwner.Port("sg-1"), [Forward(77, 10, 1, 2), Forward(17, 10, 1, 2)]));
        Assert.Contains("sg", e.Message);
        Assert.Contains("table 17", e.Message);
        // The refused Set changed nothing.
        Assert.Equal([Forward(72, 10, 1, 2)], installer.Get(Sg, FlowOwner.Port("sg-1")));
        Assert.Equal(1, installer.Stats.DesiredFlows);
    }

    [Fact]
    public void AnUnregisteredAppIsRefused()
    {
        var installer = NewInstaller();
        var dnat = new AppId(7, "dnat");
        var e = Assert.Throws<InvalidOperationException>(() => installer.Set(dnat, FlowOwner.Port("fip-1"), [Forward(15, 10, 1, 2)]));
        Assert.Contains("dnat", e.Message);
    }

    [Fact]
    public void NoAppMayOwnTheCanaryTable()
    {
        var installer = new FlowInstaller();
        var e = Assert.Throws<InvalidOperationException>(() => installer.Register(new AppId(9, "rogue"), [9, AgingCanary.Table]));
        Assert.Contains("200", e.Message);
    }

    [Fact]
    public void GetReturnsTheOwnersFlowsAndClearDropsThem()
    {
        var installer = NewInstaller();
        Assert.Empty(installer.Get(L2, FlowOwner.Port("port-a")));
        installer.Set(L2, FlowOwner.Port("port-a"), [Forward(0, 100, 1, 2), Jump(17, 100, 5, 64)]);
        installer.Set(L2, FlowOwner.Port("port-b"), [Forward(0, 100, 1, 2)]); // the same key: one switch flow
        Assert.Equal(2, installer.Get(L2, FlowOwner.Port("port-a")).Count);
        Assert.Equal(2, installer.Stats.DesiredFlows);

        installer.Clear(L2, FlowOwner.Port("port-a"));
        Assert.Empty(installer.Get(L2, FlowOwner.Port("port-a")));
        Assert.Single(installer.Get(L2, FlowOwner.Port("port-b")));
        Assert.Equal(1, installer.Stats.DesiredFlows);
        installer.Clear(L2, FlowOwner.Port("never-set")); // harmless
    }

    [Fact]
    public async Task FlushWithoutASwitchIsANoOpAndKeepsTheDesiredState()
    {
        var installer = NewInstaller();
        installer.Set(L2, FlowOwner.Port("port-a"), [new DesiredFlow(0, 1, Match.All, InstructionSet.Drop)]);
        await installer.FlushAsync();
        installer.Detach();
        await installer.FlushAsync();
        var stats = installer.Stats;
        Assert.Equal(0, stats.Flushes);
        Assert.Equal(1, stats.DesiredFlows);
        Assert.Equal(0, stats.InstalledFlows);
    }

    [Fact]
    public void TheCookieCarriesAppAndGeneration()
    {
        var cookie = FlowCookie.Make(Sg, 0xDEADBEEF);
        Assert.Equal(0x02000000DEADBEEFUL, cookie);
        Assert.Equal(Sg.Value, FlowCookie.App(cookie));
        Assert.Equal(0xDEADBEEFu, FlowCookie.Generation(cookie));
    }
}
