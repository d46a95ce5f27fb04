using System.Text.RegularExpressions;
using Dragonflow.Testing.NorthDb;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// Which OpenFlow connection the controller programs: only br-int's datapath, the newest
/// connection of it; and, without "aging" in apps_list, a restart that rewrites nothing.
/// Every second connection here is a real ovs-vswitchd bridge pointed at the controller.
/// </summary>
public sealed partial class SwitchConnectionTests
{
    [Fact]
    public async Task A_bridge_of_another_datapath_pointed_at_the_controller_is_refused_and_br_int_keeps_working()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        var a = await s.AddChassisAsync();
        var net = await s.CreateNetworkAsync(100);
        var p1 = await s.CreatePortAsync(net, "fa:16:3e:00:00:01", "10.0.0.1");
        using var vm1 = s.Plug(a, p1);
        await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
        await a.WaitForSettledFlowsAsync();
        var before = Flows(a.DumpFlows());

        a.Ovs.Vsctl("add-br", "br-other", "--", "set", "bridge", "br-other", "datapath_type=netdev", "fail_mode=secure",
            "protocols=OpenFlow13", "--", "set-controller", "br-other", a.Controller!.OpenFlowTarget);
        await Poll.UntilAsync(() => a.Log.Contains(LogLevel.Warning, "refused"), TimeSpan.FromSeconds(20), "the other datapath refused");

        Assert.Empty(Flows(a.Ovs.Ofctl("dump-flows", "br-other")));
        Assert.Equal(before, Flows(a.DumpFlows()));
        // The controller still programs br-int.
        var p2 = await s.CreatePortAsync(net, "fa:16:3e:00:00:02", "10.0.0.2");
        using var vm2 = s.Plug(a, p2);
        await s.WaitForStatusAsync(p2.Id, "ACTIVE", a.Host);
        Assert.True(vm1.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)), s.Diagnostics());
        Assert.Empty(Flows(a.Ovs.Ofctl("dump-flows", "br-other")));
    }

    [Fact]
    public async Task A_newer_connection_of_br_ints_datapath_replaces_the_current_one()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        var a = await s.AddChassisAsync();
        var b = await s.AddChassisAsync(startController: false);
        var net = await s.CreateNetworkAsync(100);
        var p1 = await s.CreatePortAsync(net, "fa:16:3e:00:00:01", "10.0.0.1");
        using var vm1 = s.Plug(a, p1);
        await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
        await a.WaitForSettledFlowsAsync();
        var expected = Flows(a.DumpFlows());

        // A bridge on another vswitchd that claims br-int's datapath id connects to A's controller.
        var dpid = a.Ovs.Vsctl("get", "bridge", "br-int", "datapath_id").Trim('"');
        // vswitchd connects only to unix sockets in its own run directory: a link there to A's.
        var link = Path.Combine(b.Ovs.RunDirectory, "a-controller.sock");
        File.CreateSymbolicLink(link, a.Controller!.OpenFlowTarget["unix:".Length..]);
        b.Ovs.Vsctl("add-br", "br-twin", "--", "set", "bridge", "br-twin", "datapath_type=netdev", "fail_mode=secure",
            "protocols=OpenFlow13", $"other_config:datapath-id={dpid}", "--", "set-controller", "br-twin", "unix:" + link);
        await Poll.UntilAsync(() => a.Log.Contains(LogLevel.Warning, "connected again"), TimeSpan.FromSeconds(20), "the newer connection taken");
        // The newer connection is the one programmed: the twin gets br-int's flows.
        await Poll.UntilAsync(() => Flows(b.Ovs.Ofctl("dump-flows", "br-twin")).SequenceEqual(expected), TimeSpan.FromSeconds(20),
            "br-int's flows on the twin");

        // The twin goes away; br-int's vswitchd, whose connection was closed, connects again and is reconciled.
        b.Ovs.Vsctl("del-controller", "br-twin");
        // (Until then the two flap: each reconnects within a second and is the newer one.)
        Assert.Equal(expected, Flows(a.DumpFlows()));
        var p2 = await s.CreatePortAsync(net, "fa:16:3e:00:00:02", "10.0.0.2");
        using var vm2 = s.Plug(a, p2);
        await s.WaitForStatusAsync(p2.Id, "ACTIVE", a.Host);
        Assert.True(vm1.WaitForPing("10.0.0.2", TimeSpan.FromSeconds(10)), s.Diagnostics());
    }

    [Fact]
    public async Task Without_aging_in_apps_list_a_restart_rewrites_no_flow()
    {
        await using var s = await ControllerSandbox.CreateAsync();
        s.Apps = ["l2", "tunneling"];
        var a = await s.AddChassisAsync();
        var net = await s.CreateNetworkAsync(100);
        var p1 = await s.CreatePortAsync(net, "fa:16:3e:00:00:01", "10.0.0.1");
        using var vm1 = s.Plug(a, p1);
        await s.WaitForStatusAsync(p1.Id, "ACTIVE", a.Host);
        await a.WaitForSettledFlowsAsync();
        var before = FlowsWithCookies(a.DumpFlows());

        await a.StopControllerAsync();
        await a.StartControllerAsync();
        await Poll.UntilAsync(() => a.Controller!.FlowStats is { Reconciles: >= 1 }, TimeSpan.FromSeconds(20), "the restarted controller reconciled");

        var stats = a.Controller!.FlowStats!;
        Assert.True((stats.FlowsAdded, stats.FlowsModified, stats.FlowsRestamped, stats.FlowsDeleted) == (0L, 0L, 0L, 0L),
            $"{stats}\n{string.Join("\n", a.Log.Entries.Select(e => $"{e.Level}: {e.Message}"))}");
        Assert.Equal(before, FlowsWithCookies(a.DumpFlows()));
    }

    /// <summary>A dump's flows without cookies and counters, sorted.</summary>
    private static List<string> Flows(string dump) =>
        [.. dump.Split('\n').Where(l => l.Contains("actions=", StringComparison.Ordinal)).Select(l => Counters().Replace(l, "").Trim()).Order(StringComparer.Ordinal)];

    /// <summary>A dump's flows with their cookies, without counters, sorted.</summary>
    private static List<string> FlowsWithCookies(string dump) =>
        [.. dump.Split('\n').Where(l => l.Contains("actions=", StringComparison.Ordinal)).Select(l => CountersOnly().Replace(l, "").Trim()).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"(cookie|duration|n_packets|n_bytes|idle_age|hard_age)=[^,\s]+,?\s?")]
    private static partial Regex Counters();

    [GeneratedRegex(@"(duration|n_packets|n_bytes|idle_age|hard_age)=[^,\s]+,?\s?")]
    private static partial Regex CountersOnly();
}
