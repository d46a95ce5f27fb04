using Dragonflow.NorthDb.Drivers.Redis;
using StackExchange.Redis;

namespace Dragonflow.NorthDb.PubSub.Redis;

/// <summary>
/// Publishes DbUpdates with redis PUBLISH on channel <c>dragonflow.&lt;topic&gt;</c> of the NB
/// redis servers (pub_sub_driver = redis). Redis keeps the order of commands on one connection,
/// and <see cref="SeqStamper"/> hands them over in seq order.
/// </summary>
public sealed class RedisNbPublisher(IReadOnlyList<string> hosts, TimeProvider? time = null) : INbPublisher
{
    public const string ChannelPrefix = "dragonflow.";

    private readonly SeqStamper _stamper = new(Guid.NewGuid().ToString(), time);
    private ConnectionMultiplexer? _connection;

    public string PublisherId => _stamper.PublisherId;

    /// <summary>Subscribers find redis through remote_db_hosts, not through the publisher table.</summary>
    public string? Uri => null;

    public void Start() => _connection ??= RedisConnection.Open(hosts, "dragonflow-publisher");

    public DbUpdate Publish(DbUpdate update)
    {
        var subscriber = (_connection ?? throw new InvalidOperationException("publisher not started")).GetSubscriber();
        return _stamper.Stamp(update, (topic, stamped) =>
            subscriber.Publish(RedisChannel.Literal(ChannelPrefix + topic), DbUpdateWire.Body(stamped), CommandFlags.FireAndForget));
    }

    public void Dispose() => _connection?.Dispose();
}
