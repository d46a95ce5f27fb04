namespace Dragonflow.NorthDb.PubSub;

/// <summary>
/// Sends every NB write to subscribers. <see cref="Publish"/> stamps publisher id, seq and
/// timestamp, queues the update and returns at once; delivery order is call order.
/// Drivers are chosen by pub_sub_driver (zmq now; redis, etcd later).
/// </summary>
public interface INbPublisher : IDisposable
{
    /// <summary>Unique per running publisher; a restarted process gets a new one.</summary>
    string PublisherId { get; }

    /// <summary>Where subscribers reach this publisher (e.g. tcp://127.0.0.1:8866); null when it has no endpoint.</summary>
    string? Uri { get; }

    /// <summary>Binds/connects; idempotent.</summary>
    void Start();

    /// <summary>Stamps and queues an update; returns the stamped update.</summary>
    DbUpdate Publish(DbUpdate update);
}

/// <summary>The publisher used when enable_df_pub_sub is off: stamps updates and sends nothing.</summary>
public sealed class NullNbPublisher : INbPublisher
{
    private long _seq;

    public string PublisherId { get; } = Guid.NewGuid().ToString();

    public string? Uri => null;

    public void Start()
    {
    }

    public DbUpdate Publish(DbUpdate update) =>
        update with { PublisherId = PublisherId, Seq = Interlocked.Increment(ref _seq), Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 };

    public void Dispose()
    {
    }
}
