using System.Diagnostics;
using Dragonflow.OpenFlow.Connection;
using Dragonflow.OpenFlow.Messages;

namespace Dragonflow.OpenFlow.Bench;

/// <summary>Result of one flow installation run.</summary>
public sealed record FlowInstallResult(string Method, int Flows, TimeSpan Elapsed)
{
    public double FlowsPerSecond => Flows / Elapsed.TotalSeconds;
    public override string ToString() => $"{Method}: {Flows} flows in {Elapsed.TotalMilliseconds:F0} ms = {FlowsPerSecond:F0} flows/s";
}

/// <summary>
/// The OpenFlow installation benchmark behind <c>dragonflow bench openflow</c>: installs N
/// realistic pipeline flows (<see cref="SampleFlows"/>) on a connected switch, pipelined with
/// one barrier at the end (or in one bundle), and measures until the switch confirmed them.
/// </summary>
public static class OpenFlowBench
{
    /// <summary>Pipelined FLOW_MODs then one barrier; the time includes encoding and the barrier reply.</summary>
    public static async Task<FlowInstallResult> InstallPipelinedAsync(OpenFlowConnection connection, IReadOnlyList<FlowMod> flows, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        await connection.SendBatchAsync(flows, cancellationToken).ConfigureAwait(false);
        return new FlowInstallResult("pipelined+barrier", flows.Count, sw.Elapsed);
    }

    /// <summary>The same flows applied atomically in one ONF bundle.</summary>
    public static async Task<FlowInstallResult> InstallBundleAsync(OpenFlowConnection connection, IReadOnlyList<FlowMod> flows, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        await connection.BundleAsync(flows, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new FlowInstallResult("bundle", flows.Count, sw.Elapsed);
    }

    /// <summary>One FLOW_MOD + BARRIER round trip at a time: the latency of a single change.</summary>
    public static async Task<FlowInstallResult> InstallOneByOneAsync(OpenFlowConnection connection, IReadOnlyList<FlowMod> flows, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        foreach (var f in flows)
            await connection.SendCheckedAsync(f, cancellationToken).ConfigureAwait(false);
        return new FlowInstallResult("one-by-one", flows.Count, sw.Elapsed);
    }

    /// <summary>Deletes the benchmark's flows (by cookie) and waits for the switch.</summary>
    public static Task ClearAsync(OpenFlowConnection connection, CancellationToken cancellationToken = default) =>
        connection.SendCheckedAsync(FlowMod.Delete(cookie: SampleFlows.Cookie, cookieMask: ulong.MaxValue), cancellationToken);
}
