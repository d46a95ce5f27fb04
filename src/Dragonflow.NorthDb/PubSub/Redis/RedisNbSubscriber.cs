using Dragonflow.NorthDb.Drivers.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Dragonflow.NorthDb.PubSub.Redis;

/// <summary>
/// Receives DbUpdates from redis channels <c>dragonflow.&lt;topic&gt;</c>. Redis pub/sub drops
/// what is published while a subscriber is disconnected, so after the connection comes back every
/// (publisher, topic) seen so far is reported as a gap: the caller resyncs rather than trusting
/// that nothing was missed.
/// </summary>
public sealed class RedisNbSubscriber : INbSubscriber
{
    private readonly IReadOnlyList<string> _hosts;
    private readonly ILogger _logger;
    private readonly Lock _deliver = new();
    private readonly SeqTracker _seqs = new();
    private readonly HashSet<string> _publishers = new(StringComparer.Ordinal);
    private readonly List<RedisChannel> _channels = [];
    private ConnectionMultiplexer? _connection;

    public RedisNbSubscriber(IReadOnlyList<string> hosts, ILogger<RedisNbSubscriber>? logger = null)
    {
        _hosts = hosts;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public event Action<DbUpdate>? UpdateReceived;

    public event Action<SeqGap>? GapDetected;

    public event Action<string, bool>? PublisherChanged;

    public IReadOnlyCollection<string> ConnectedPublishers
    {
        get
        {
            lock (_deliver)
            {
                return [.. _publishers];
            }
        }
    }

    public void Subscribe(string topic) => Add(RedisChannel.Literal(RedisNbPublisher.ChannelPrefix + topic));

    public void SubscribeAll() => Add(RedisChannel.Pattern(RedisNbPublisher.ChannelPrefix + "*"));

    public void Unsubscribe(string topic)
    {
        var channel = RedisChannel.Literal(RedisNbPublisher.ChannelPrefix + topic);
        lock (_deliver)
        {
            _channels.Remove(channel);
        }
        _connection?.GetSubscriber().Unsubscribe(channel);
    }

    public void Start()
    {
        if (_connection is not null)
        {
            return;
        }
        _connection = RedisConnection.Open(_hosts, "dragonflow-subscriber");
        _connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                ReportReconnect();
            }
        };
        List<RedisChannel> channels;
        lock (_deliver)
        {
            channels = [.. _channels];
        }
        foreach (var channel in channels)
        {
            Listen(channel);
        }
    }

    private void Add(RedisChannel channel)
    {
        lock (_deliver)
        {
            if (_channels.Contains(channel))
            {
                return;
            }
            _channels.Add(channel);
        }
        if (_connection is not null)
        {
            Listen(channel);
        }
    }

    /// <summary>Each channel's queue delivers in order; the lock keeps channels from interleaving handlers.</summary>
    private void Listen(RedisChannel channel) =>
        _connection!.GetSubscriber().Subscribe(channel).OnMessage(message =>
        {
            byte[]? body = message.Message;
            var update = body is null ? null : DbUpdateWire.TryParse(body);
            if (update is null)
            {
                _logger.LogWarning("dropping a malformed pub/sub message on {Channel}", message.Channel);
                return;
            }
            Deliver(update);
        });

    private void Deliver(DbUpdate update)
    {
        lock (_deliver)
        {
            if (_publishers.Add(update.PublisherId))
            {
                PublisherChanged?.Invoke(update.PublisherId, true);
            }
            if (_seqs.Observe(update) is { } gap)
            {
                GapDetected?.Invoke(gap);
            }
            try
            {
                UpdateReceived?.Invoke(update);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogError(e, "update handler failed on {Table}/{Key}", update.Table, update.Key);
            }
        }
    }

    private void ReportReconnect()
    {
        lock (_deliver)
        {
            _logger.LogWarning("redis pub/sub reconnected: updates may have been lost, asking for a resync");
            var known = _seqs.Known();
            foreach (var (publisher, topic, last) in known)
            {
                GapDetected?.Invoke(new SeqGap(publisher, topic, last + 1, -1));
            }
            if (known.Count == 0)
            {
                // Nothing received yet, so no seq to name: still, something may have been missed.
                GapDetected?.Invoke(new SeqGap("", PubSubTopic.Global, 0, -1));
            }
        }
    }

    public void Dispose() => _connection?.Dispose();
}
