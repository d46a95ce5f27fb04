namespace Dragonflow.NorthDb.PubSub;

/// <summary>
/// Stamps a publisher's updates: its id, a seq counted per topic (so a subscriber of a few
/// tenants still sees every gap in what it receives) and the time. Thread safe; the caller sends
/// inside <see cref="Stamp"/>'s callback so that send order is seq order.
/// </summary>
public sealed class SeqStamper(string publisherId, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _seqByTopic = new(StringComparer.Ordinal);

    public string PublisherId { get; } = publisherId;

    public DbUpdate Stamp(DbUpdate update, Action<string, DbUpdate> send)
    {
        var topic = PubSubTopic.Of(update.Topic);
        lock (_lock)
        {
            var seq = _seqByTopic.GetValueOrDefault(topic) + 1;
            _seqByTopic[topic] = seq;
            var stamped = update with
            {
                PublisherId = PublisherId,
                Seq = seq,
                Timestamp = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0,
            };
            send(topic, stamped);
            return stamped;
        }
    }
}
