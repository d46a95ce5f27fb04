using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dragonflow.Cli.Sandbox;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Hosting;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary>
/// <c>bench convergence --restart</c>: with the largest run's ports in NB, local ports are plugged
/// until there are <c>--local-ports</c> of them, all with flows installed; then the controller is
/// stopped and a new one started, and the time from the new start to the installer's reconcile
/// being acknowledged is taken. The switch is then checked: the same flows as before (cookies
/// and counters aside) and, with aging, none of the old generation. This is done twice: with
/// "aging" in apps_list (every flow re-stamped with a new generation) and without (only
/// differences written). DF_BENCH_DEBUG=1 adds the controller's information logs and vswitchd's
/// connection log lines.
/// </summary>
static partial class RestartBench
{
    const int Batch = 100;

    /// <summary>The restart target: the switch reconciled within a second of the new controller's start.</summary>
    const int TargetMs = 1000;

    public static async Task RunAsync(SandboxSwitch sandbox, NbApi api, ControllerSlot slot, ControllerOptions options,
        ILoggerFactory loggerFactory, LogicalSwitch net, int existing, int alreadyLocal, int local, CancellationToken ct)
    {
        var controller = slot.Current!;
        var pending = new ConcurrentDictionary<string, byte>();
        void OnInstalled(string port) => pending.TryRemove(port, out _);
        controller.PortFlowsInstalled += OnInstalled;
        try
        {
            for (var first = alreadyLocal; first < local; first += Batch)
            {
                var vsctl = new List<string>();
                for (var i = first; i < Math.Min(local, first + Batch); i++)
                {
                    var id = $"new-{i}";
                    pending[id] = 0;
                    await api.CreateAsync(new LogicalPort
                    {
                        Id = id, Topic = net.Topic, Lswitch = net.Id, Macs = [$"fa:16:3e:20:{i >> 8 & 0xff:x2}:{i & 0xff:x2}"],
                        Ips = [new FixedIp("bench-sub", $"10.2.{i >> 8 & 0xff}.{i & 0xff}")],
                        UniqueKey = await api.AllocateUniqueKeyAsync<LogicalPort>(ct),
                    }, ct);
                    string a = $"pa{i}", b = $"pb{i}";
                    vsctl.AddRange(sandbox.PlugCommands(a, b, id));
                }
                await sandbox.VsctlAsync(vsctl, ct);
            }
            var deadline = Stopwatch.StartNew();
            while (!pending.IsEmpty)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(120))
                    throw new TimeoutException($"{pending.Count} local ports still without flows after 120 s");
                await Task.Delay(20, ct);
            }
        }
        finally
        {
            controller.PortFlowsInstalled -= OnInstalled;
        }

        var before = FlowSet(await sandbox.OfctlAsync(["dump-flows", sandbox.Bridge], TimeSpan.FromSeconds(60), ct));
        // apps_list with aging (the default): every flow moves to a new generation. Then without
        // aging: only differences are written, identical flows stay as they are.
        var aging = await RestartOnceAsync(sandbox, slot, options, loggerFactory, before, existing + local, local, "aging", ct);
        var noAging = await RestartOnceAsync(sandbox, slot, options with { Apps = [.. options.Apps.Where(a => a != "aging")] },
            loggerFactory, before, existing + local, local, "aging off", ct);
        Console.WriteLine(ConvergenceBench.Line($"target restart reconciled <= {TargetMs} ms (aging): {(aging ? "met" : "MISSED")}"));
        Console.WriteLine(ConvergenceBench.Line($"target restart reconciled <= {TargetMs} ms (aging off): {(noAging ? "met" : "MISSED")}"));
    }

    /// <summary>Stops the current controller, starts one with <paramref name="options"/>, prints the reconcile; true if within 2 s and exact.</summary>
    static async Task<bool> RestartOnceAsync(SandboxSwitch sandbox, ControllerSlot slot, ControllerOptions options, ILoggerFactory loggerFactory,
        List<string> before, int portsInNb, int local, string mode, CancellationToken ct)
    {
        var controller = slot.Current!;
        var oldGeneration = controller.FlowStats!.Generation;
        slot.Current = null;
        await controller.DisposeAsync();

        var clock = Stopwatch.StartNew();
        controller = slot.Current = await LocalController.StartAsync(options, loggerFactory, ct);
        var started = clock.ElapsedMilliseconds;
        while (controller.FlowStats is not { Reconciles: >= 1 })
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("the restarted controller did not reconcile within 60 s");
            await Task.Delay(2, ct);
        }
        var reconciled = clock.Elapsed.TotalMilliseconds;
        var stats = controller.FlowStats;

        var dump = await sandbox.OfctlAsync(["dump-flows", sandbox.Bridge], TimeSpan.FromSeconds(60), ct);
        var cookies = Cookie().Matches(dump).Select(m => ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToList();
        var old = cookies.Count(c => FlowCookie.Generation(c) <= oldGeneration);
        var same = FlowSet(dump).SequenceEqual(before);
        var kept = stats.DesiredFlows - stats.FlowsAdded - stats.FlowsModified - stats.FlowsRestamped;
        Console.WriteLine(ConvergenceBench.Line(
            $"restart ({mode}): ports_in_nb={portsInNb} local_ports={local} flows={before.Count} reconciled={reconciled:F0} ms (controller start {started} ms; {stats.FlowsAdded} added, {stats.FlowsModified} modified, {stats.FlowsRestamped} re-stamped, {kept} kept, {stats.FlowsDeleted} deleted) after: flows={cookies.Count} same_flows={(same ? "yes" : "NO")} old_generation={old}"));
        var after = FlowSet(dump);
        foreach (var l in before.Except(after).Take(3)) Console.WriteLine($"  missing after the restart: {l}");
        foreach (var l in after.Except(before).Take(3)) Console.WriteLine($"  new after the restart: {l}");
        if (Environment.GetEnvironmentVariable("DF_BENCH_DEBUG") == "1")
            foreach (var l in File.ReadLines(sandbox.VswitchdLog).Where(l => l.Contains("rconn") || l.Contains("connmgr")).TakeLast(4)) Console.WriteLine(l);
        // With aging every flow must have left the old generation; without, identical flows keep theirs.
        return reconciled <= TargetMs && same && (old == 0 || !options.Apps.Contains("aging"));
    }

    /// <summary>A dump's flows without cookie and counters, sorted: what the switch does, not who wrote it when.</summary>
    static List<string> FlowSet(string dump) =>
        [.. dump.Split('\n').Where(l => l.Contains("actions=", StringComparison.Ordinal)).Select(l => Counters().Replace(l, "").Trim())
            .Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"(cookie|duration|n_packets|n_bytes|idle_age|hard_age)=[^,\s]+,?\s?")]
    private static partial Regex Counters();

    [GeneratedRegex(@"cookie=0x([0-9a-f]+)")]
    private static partial Regex Cookie();
}

/// <summary>The controller a run currently owns (a restart replaces it); disposed once by the run.</summary>
sealed class ControllerSlot
{
    public LocalController? Current { get; set; }
}
