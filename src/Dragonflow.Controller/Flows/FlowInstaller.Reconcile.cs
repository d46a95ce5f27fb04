using Dragonflow.OpenFlow.Connection;
using Dragonflow.OpenFlow.Messages;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Flows;

/// <summary>
/// What a (re)attached switch gets instead of a flush. Traffic never stops:
/// 1. dump the switch's flows (taken at connect time when the controller prefetched it); the
///    canary in table 200 tells the previous generation;
/// 2. with <see cref="Aging"/> : take a newer generation and ADD every desired flow
///    stamped with it, and the new canary, in one atomic bundle (an ADD replaces a flow of the
///    same key in place, so old and new never leave a gap; one bundle costs vswitchd one table
///    version instead of one per flow). Without aging: ADD only the desired flows the switch
///    lacks or has with other instructions; identical flows keep their cookie and are not
///    touched, and the generation stays;
/// 3. DELETE_STRICT, by exact cookie, every dumped flow that is not desired: flows nobody
///    wants any more, from an older controller, or added by hand.
/// A controller restart thus ends with exactly the desired flows; with aging, all of the new generation.
/// </summary>
public sealed partial class FlowInstaller
{
    /// <summary>Below this many FLOW_MODs a reconcile pipelines them; from it on it uses a bundle.</summary>
    private const int BundleThreshold = 64;

    private async Task ReconcileAsync(OpenFlowConnection connection, Task<List<FlowStats>>? prefetched, CancellationToken ct)
    {
        // The full dump is asked for first (at connect, or now). With aging only the canary is
        // needed before writing: the switch answers requests in order, so the full dump still
        // shows the flows as they were before the bundle, and it is read while the bundle runs.
        var dump = prefetched ?? connection.DumpFlowsAsync(ct);
        List<FlowStats>? before = null;
        var previous = 0u;
        if (Aging)
        {
            var canary = await connection.DumpFlowsAsync(new FlowStatsRequest { TableId = AgingCanary.Table }, ct).ConfigureAwait(false);
            previous = PreviousGeneration(canary);
        }
        else
        {
            before = await DumpAsync(connection, dump, ct).ConfigureAwait(false);
            previous = PreviousGeneration(before);
        }
        var onSwitch = before is null ? [] : ByKey(before);

        uint generation;
        var mods = new List<FlowMod>();
        var snapshot = new List<(FlowKey Key, Installed Flow)>();
        var kept = new List<(FlowKey Key, Installed Flow)>();
        HashSet<FlowKey> taken;
        lock (_lock)
        {
            // Aging never reuses a generation the switch or we have seen; 0 means "none".
            generation = Aging ? Math.Max(previous, _generation) + 1 : Math.Max(previous, _generation);
            if (generation == 0) generation = 1;
            taken = _pending;
            _pending = new HashSet<FlowKey>();
            foreach (var (key, switchFlow) in _desired)
            {
                var winner = switchFlow.Winner;
                if (!Aging && onSwitch.TryGetValue(key, out var present) && AlreadyThere(present, winner))
                {
                    kept.Add((key, new Installed(present.Cookie, winner.Flow, winner.App, winner.Owner)));
                    continue;
                }
                var installed = new Installed(FlowCookie.Make(winner.App, generation, winner.Flow.CookieTag), winner.Flow, winner.App, winner.Owner);
                snapshot.Add((key, installed));
                mods.Add(AddOf(winner.Flow, installed.Cookie));
            }
        }
        if (Aging) mods.Add(AgingCanary.Flow(generation));
        _log.LogInformation("{Switch}: reconciling {Desired} desired flows, generation {Previous} -> {Generation}{Mode}",
            connection, snapshot.Count + kept.Count, previous, generation, Aging ? "" : " (aging off: differences only)");

        try
        {
            var rejected = await SendManyAsync(connection, mods, ct).ConfigureAwait(false);
            if (before is null)
            {
                before = await DumpAsync(connection, dump, ct).ConfigureAwait(false);
                onSwitch = ByKey(before);
            }
            var replaced = new HashSet<FlowKey>();
            foreach (var (key, _) in kept) replaced.Add(key);
            long added = 0, modified = 0, restamped = 0;
            for (var i = 0; i < snapshot.Count; i++)
            {
                var (key, installed) = snapshot[i];
                if (rejected.TryGetValue(i, out var error))
                {
                    _log.LogError("{Switch}: rejected the installation of flow {Flow} of app {App} (owner {Owner}): {Error}",
                        connection, mods[i].ToString(), installed.App, installed.Owner, error);
                    continue;
                }
                replaced.Add(key);
                if (!onSwitch.TryGetValue(key, out var old)) added++;
                else if (SameEffect(old, installed.Flow)) restamped++;
                else modified++;
            }
            var canaryStays = !Aging || !rejected.ContainsKey(snapshot.Count);
            if (Aging && !canaryStays)
                _log.LogError("{Switch}: rejected the aging canary {Flow}: {Error}", connection, mods[^1].ToString(), rejected[snapshot.Count]);

            // Everything that was there and was not just replaced (or kept) is stale. The exact
            // cookie makes the delete miss a flow that was re-stamped meanwhile. Without aging the
            // canary is left as it is: it still tells the generation the flows carry.
            var stale = new List<FlowMod>();
            foreach (var f in before)
            {
                var key = new FlowKey(f.TableId, f.Priority, f.Match);
                if (replaced.Contains(key) || (AgingCanary.Is(f) && canaryStays)) continue;
                stale.Add(DeleteOf(key, f.Cookie, ulong.MaxValue));
            }
            var staleRejected = stale.Count == 0
                ? new Dictionary<int, ErrorMessage>()
                : await SendAsync(connection, stale, ct).ConfigureAwait(false);
            foreach (var (index, error) in staleRejected)
                _log.LogError("{Switch}: rejected the deletion of stale flow {Flow}: {Error}", connection, stale[index].ToString(), error);

            lock (_lock)
            {
                _installed.Clear();
                foreach (var (key, installed) in kept) _installed[key] = installed;
                foreach (var (key, installed) in snapshot)
                    if (replaced.Contains(key)) _installed[key] = installed;
                _generation = generation;
                _reconcileNeeded = false;
                _reconciles++;
                _added += added;
                _modified += modified;
                _restamped += restamped;
                _deleted += stale.Count - staleRejected.Count;
                _rejected += rejected.Count + staleRejected.Count;
            }
            _metrics?.Reconciled.Inc();
            _metrics?.FlowModsDone("add", added);
            _metrics?.FlowModsDone("modify", modified);
            _metrics?.FlowModsDone("restamp", restamped);
            _metrics?.FlowModsDone("delete", stale.Count - staleRejected.Count);
            _log.LogInformation("{Switch}: reconciled at generation {Generation}: {Added} added, {Modified} modified, {Restamped} re-stamped, {Kept} kept, {Stale} stale deleted",
                connection, generation, added, modified, restamped, kept.Count, stale.Count - staleRejected.Count);
        }
        catch
        {
            lock (_lock) _pending.UnionWith(taken);
            throw;
        }
    }

    private static uint PreviousGeneration(List<FlowStats> flows)
    {
        var previous = 0u;
        foreach (var f in flows)
            if (AgingCanary.Is(f)) previous = Math.Max(previous, FlowCookie.Generation(f.Cookie));
        return previous;
    }

    private static Dictionary<FlowKey, FlowStats> ByKey(List<FlowStats> flows)
    {
        var byKey = new Dictionary<FlowKey, FlowStats>(flows.Count);
        foreach (var f in flows) byKey[new FlowKey(f.TableId, f.Priority, f.Match)] = f;
        return byKey;
    }

    /// <summary>
    /// The requested dump, if it succeeded; a fresh one otherwise (after a bundle that one shows
    /// the new flows too, which are then simply not stale; only the statistics lose the difference
    /// between added and re-stamped).
    /// </summary>
    private async Task<List<FlowStats>> DumpAsync(OpenFlowConnection connection, Task<List<FlowStats>> requested, CancellationToken ct)
    {
        try
        {
            return await requested.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _log.LogDebug("{Switch}: the flow dump failed ({Error}); dumping again", connection, e.Message);
        }
        return await connection.DumpFlowsAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Many FLOW_MODs go in one atomic bundle. Should the switch refuse the bundle (a rejected
    /// flow discards it whole, or bundles are not supported), they are sent again pipelined, so
    /// that every acceptable flow lands and each rejection is reported by index.
    /// </summary>
    private async Task<IReadOnlyDictionary<int, ErrorMessage>> SendManyAsync(OpenFlowConnection connection, List<FlowMod> mods, CancellationToken ct)
    {
        if (mods.Count < BundleThreshold) return await SendAsync(connection, mods, ct).ConfigureAwait(false);
        try
        {
            await connection.BundleAsync(mods, cancellationToken: ct).ConfigureAwait(false);
            return new Dictionary<int, ErrorMessage>();
        }
        catch (Exception e) when (e is OpenFlowBatchException or OpenFlowErrorException)
        {
            _log.LogInformation("{Switch}: the bundle of {Count} flow changes was refused ({Error}); sending them one by one",
                connection, mods.Count, e.Message);
        }
        return await SendAsync(connection, mods, ct).ConfigureAwait(false);
    }

    private static bool SameEffect(FlowStats onSwitch, DesiredFlow wanted) =>
        onSwitch.Instructions.Equals(wanted.Instructions) && onSwitch.IdleTimeout == wanted.IdleTimeout &&
        onSwitch.HardTimeout == wanted.HardTimeout;

    /// <summary>
    /// Without aging, a dumped flow is left alone if it does what the winner wants and carries its
    /// app. A flow with a timeout is always rewritten: it may expire between the dump and now.
    /// </summary>
    private static bool AlreadyThere(FlowStats onSwitch, SwitchFlow.Want winner) =>
        winner.Flow.IdleTimeout == 0 && winner.Flow.HardTimeout == 0 && SameEffect(onSwitch, winner.Flow) &&
        FlowCookie.App(onSwitch.Cookie) == winner.App.Value && FlowCookie.Tag(onSwitch.Cookie) == winner.Flow.CookieTag;
}
