using Dragonflow.OpenFlow.Connection;
using Dragonflow.OpenFlow.Messages;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Flows;

/// <summary>
/// Aging (DESIGN §6): what a (re)attached switch gets instead of a flush. Traffic never stops:
/// 1. dump the switch's flows; the canary in table 200 tells the previous generation;
/// 2. take a newer generation; ADD every desired flow stamped with it, and the new canary
///    (an ADD replaces a flow of the same key in place, so old and new never leave a gap);
///    barrier;
/// 3. DELETE_STRICT, by exact cookie, every dumped flow that was not replaced: flows nobody
///    wants any more, from an older controller, or added by hand; barrier.
/// A controller restart thus ends with exactly the desired flows, all of the new generation.
/// </summary>
public sealed partial class FlowInstaller
{
    private async Task ReconcileAsync(OpenFlowConnection connection, CancellationToken ct)
    {
        var before = await connection.DumpFlowsAsync(ct).ConfigureAwait(false);
        var previous = 0u;
        var onSwitch = new Dictionary<FlowKey, FlowStats>(before.Count);
        foreach (var f in before)
        {
            if (AgingCanary.Is(f)) previous = Math.Max(previous, FlowCookie.Generation(f.Cookie));
            onSwitch[new FlowKey(f.TableId, f.Priority, f.Match)] = f;
        }

        uint generation;
        var mods = new List<FlowMod>();
        var snapshot = new List<(FlowKey Key, Installed Flow)>();
        HashSet<FlowKey> taken;
        lock (_lock)
        {
            // Never reuse a generation the switch or we have seen; 0 means "none".
            generation = Math.Max(previous, _generation) + 1;
            if (generation == 0) generation = 1;
            taken = _pending;
            _pending = new HashSet<FlowKey>();
            foreach (var (key, switchFlow) in _desired)
            {
                var winner = switchFlow.Winner;
                var installed = new Installed(FlowCookie.Make(winner.App, generation, winner.Flow.CookieTag), winner.Flow, winner.App, winner.Owner);
                snapshot.Add((key, installed));
                mods.Add(AddOf(winner.Flow, installed.Cookie));
            }
        }
        mods.Add(AgingCanary.Flow(generation));
        _log.LogInformation("{Switch}: reconciling {Desired} desired flows against {Present} present, generation {Previous} -> {Generation}",
            connection, snapshot.Count, before.Count, previous, generation);

        try
        {
            var rejected = await SendAsync(connection, mods, ct).ConfigureAwait(false);
            var replaced = new HashSet<FlowKey>();
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
            if (rejected.TryGetValue(snapshot.Count, out var canaryError))
                _log.LogError("{Switch}: rejected the aging canary {Flow}: {Error}", connection, mods[^1].ToString(), canaryError);

            // Everything that was there and was not just replaced is stale. The exact cookie makes
            // the delete miss a flow that was re-stamped meanwhile.
            var stale = new List<FlowMod>();
            foreach (var f in before)
            {
                var key = new FlowKey(f.TableId, f.Priority, f.Match);
                if (replaced.Contains(key) || (AgingCanary.Is(f) && !rejected.ContainsKey(snapshot.Count))) continue;
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
            _log.LogInformation("{Switch}: reconciled at generation {Generation}: {Added} added, {Modified} modified, {Restamped} re-stamped, {Stale} stale deleted",
                connection, generation, added, modified, restamped, stale.Count - staleRejected.Count);
        }
        catch
        {
            lock (_lock) _pending.UnionWith(taken);
            throw;
        }
    }

    private static bool SameEffect(FlowStats onSwitch, DesiredFlow wanted) =>
        onSwitch.Instructions.Equals(wanted.Instructions) && onSwitch.IdleTimeout == wanted.IdleTimeout &&
        onSwitch.HardTimeout == wanted.HardTimeout;
}
