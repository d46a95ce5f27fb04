namespace Dragonflow.NorthDb.PubSub;

/// <summary>
/// A subscriber's view of every (publisher, topic) seq: says whether an arriving update follows
/// the last one, and what was skipped if not. Not thread safe: one delivery thread owns it.
/// </summary>
public sealed class SeqTracker
{
    private readonly Dictionary<(string Publisher, string Topic), long> _last = [];

    /// <summary>Records the update; returns the gap before it, if any. A seq going backwards (a
    /// restarted publisher reusing its id) is reported through <paramref name="wentBack"/>.</summary>
    public SeqGap? Observe(DbUpdate update, Action<long>? wentBack = null)
    {
        var key = (update.PublisherId, PubSubTopic.Of(update.Topic));
        SeqGap? gap = null;
        if (_last.TryGetValue(key, out var last) && update.Seq != last + 1)
        {
            if (update.Seq > last + 1)
                gap = new SeqGap(update.PublisherId, key.Item2, last + 1, update.Seq);
            else
                wentBack?.Invoke(last);
        }
        _last[key] = update.Seq;
        return gap;
    }

    /// <summary>Forgets one publisher (it left).</summary>
    public void Forget(string publisherId)
    {
        foreach (var key in _last.Keys.Where(k => k.Publisher == publisherId).ToList())
            _last.Remove(key);
    }

    /// <summary>Every (publisher, topic) seen, e.g. to ask for a resync of each after a reconnect.</summary>
    public IReadOnlyList<(string Publisher, string Topic, long Last)> Known() =>
        _last.Select(p => (p.Key.Publisher, p.Key.Topic, p.Value)).ToList();
}
