using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dragonflow.Cli.Sandbox;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Bench;
using Dragonflow.OpenFlow.Connection;
using Dragonflow.OpenFlow.Messages;

namespace Dragonflow.Cli.Verbs;

/// <summary>
/// <c>dragonflow bench openflow [--flows N]</c>: how fast our OpenFlow stack installs flows into a
/// real ovs-vswitchd, next to ovs-ofctl installing the identical flows from text, plain and as one
/// bundle. Each run starts on a fresh bridge of a private <see cref="SandboxSwitch"/> and must
/// leave exactly N flows in it. The ovs-ofctl times include starting ovs-ofctl and parsing the
/// text, as an operator experiences them; ours include encoding and the final barrier reply.
/// The last line is <c>ratio_vs_ofctl_bundle=R</c> (our rate / bundled ovs-ofctl's rate).
/// <c>bench nb</c>, <c>bench api</c>, <c>bench convergence</c> and <c>bench memory</c> (in <c>Bench/</c>) are siblings.
/// </summary>
static class BenchVerb
{
    const int Interrupted = 130;

    // The bench installs flows where the controller's apps would put them.
    static readonly SampleTables ControllerTables = new(
        Classification: Tables.IngressClassification,
        AfterClassification: Tables.EgressPortSecurity,
        Arp: Tables.Arp,
        Lookup: Tables.L2Lookup,
        Egress: Tables.Egress,
        Dispatch: Tables.IngressDispatch);

    public static Command Create()
    {
        var flowsOption = new Option<int>("--flows")
        {
            Description = "Number of pipeline flows to install in each run.",
            DefaultValueFactory = _ => 100_000,
        };
        flowsOption.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--flows must be at least 1");
        });

        var openflow = new Command("openflow",
            "Install N flows into a private ovs-vswitchd through our OpenFlow listener, with ovs-ofctl add-flows and with ovs-ofctl --bundle add-flows; print the rates.")
        {
            flowsOption,
        };
        openflow.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await RunOpenFlowAsync(parse.GetValue(flowsOption), cancellationToken);
            }
            catch (SandboxException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failure;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The sandbox is stopped by now (await using); 130 as a shell reports SIGINT.
                Console.Error.WriteLine("interrupted");
                return Interrupted;
            }
        });

        return new Command("bench", "Benchmarks against real components.")
        {
            openflow, Bench.NbBench.Create(), Bench.ApiBench.Create(), Bench.ConvergenceBench.Create(), Bench.MemoryBench.Create(), Bench.IdleBench.Create(),
        };
    }

    static async Task<int> RunOpenFlowAsync(int count, CancellationToken cancellationToken)
    {
        // The sandbox first: it checks that OVS is installed before any work is done.
        await using var sandbox = await SandboxSwitch.StartAsync(cancellationToken);
        var flows = SampleFlows.Generate(count, ControllerTables);
        // ovs-ofctl gets a generous deadline: without a bundle it is the slowest of the three.
        var ofctlTimeout = TimeSpan.FromSeconds(60 + count / 1000.0);

        Console.WriteLine($"sandbox: run_dir={sandbox.RunDirectory} ovsdb_server_pid={sandbox.OvsdbPid} ovs_vswitchd_pid={sandbox.VswitchdPid} bridge={sandbox.Bridge}");
        var flowFile = Path.Combine(sandbox.RunDirectory, "flows.txt");
        await File.WriteAllTextAsync(flowFile, SampleFlows.ToOfctlText(flows), cancellationToken);

        try
        {
            var ours = await InstallThroughListenerAsync(sandbox, flows, cancellationToken);
            var plain = await InstallWithOfctlAsync(sandbox, "ovs-ofctl", ["add-flows", sandbox.Bridge, flowFile], count, ofctlTimeout, cancellationToken);
            var bundled = await InstallWithOfctlAsync(sandbox, "ovs-ofctl --bundle", ["--bundle", "add-flows", sandbox.Bridge, flowFile], count, ofctlTimeout, cancellationToken);

            var complete = true;
            foreach (var run in new[] { ours, plain, bundled })
            {
                Console.WriteLine(run);
                complete &= run.Installed == count;
            }
            if (!complete)
            {
                Console.Error.WriteLine($"error: not every run installed {count} flows");
                return ExitCodes.Failure;
            }
            var ratio = ours.FlowsPerSecond / bundled.FlowsPerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio_vs_ofctl_bundle={ratio:F2}"));
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is SandboxException or OpenFlowErrorException or OpenFlowBatchException or OpenFlowConnectionClosedException or TimeoutException)
        {
            Console.Error.WriteLine($"error: {e.Message}\n--- ovs-vswitchd log (tail) ---\n{sandbox.VswitchdLogTail()}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>(a) A fresh bridge whose controller is our listener; pipelined FLOW_MODs confirmed by one barrier.</summary>
    static async Task<BenchRun> InstallThroughListenerAsync(SandboxSwitch sandbox, List<FlowMod> flows, CancellationToken cancellationToken)
    {
        await using var listener = new OpenFlowListener(sandbox.ControllerTarget).Start();
        await sandbox.ResetBridgeAsync(listener.Target, cancellationToken);
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        handshake.CancelAfter(TimeSpan.FromSeconds(30));
        OpenFlowConnection connection;
        try
        {
            connection = await listener.AcceptAsync(handshake.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"bridge {sandbox.Bridge} did not connect to {listener.Target} within 30 s");
        }
        await using (connection)
        {
            var result = await OpenFlowBench.InstallPipelinedAsync(connection, flows, cancellationToken);
            return new BenchRun("dragonflow", flows.Count, result.Elapsed, await sandbox.CountFlowsAsync(cancellationToken));
        }
    }

    /// <summary>(b), (c) A fresh bridge without controller; ovs-ofctl reads the flows from the text file.</summary>
    static async Task<BenchRun> InstallWithOfctlAsync(SandboxSwitch sandbox, string method, string[] args, int count,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        await sandbox.ResetBridgeAsync(null, cancellationToken);
        var sw = Stopwatch.StartNew();
        await sandbox.OfctlAsync(args, timeout, cancellationToken);
        var elapsed = sw.Elapsed;
        return new BenchRun(method, count, elapsed, await sandbox.CountFlowsAsync(cancellationToken));
    }

    sealed record BenchRun(string Method, int Flows, TimeSpan Elapsed, long Installed)
    {
        public double FlowsPerSecond => Flows / Elapsed.TotalSeconds;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Method}: {Flows} flows in {Elapsed.TotalMilliseconds:F0} ms = {FlowsPerSecond:F0} flows/s (installed {Installed})");
    }
}
