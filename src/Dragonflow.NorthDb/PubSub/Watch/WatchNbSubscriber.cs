using System.Text.Json;
using Dragonflow.NorthDb.Drivers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.NorthDb.PubSub.Watch;

/// <summary>
/// Pub/sub through the NB database's own change notification (pub_sub_driver = etcd): the
/// database is the one publisher, so nothing is sent besides the writes themselves, and the
/// watch resumes from its last revision after a disconnect, so nothing is lost. When the
/// backend cannot resume (etcd compacted the history), a gap is reported for a resync.
/// <see cref="DbUpdate.Seq"/> is the backend revision: never decreasing, not consecutive.
/// </summary>
public sealed class WatchNbSubscriber : INbSubscriber
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly INbWatchableDriver _driver;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _topicsLock = new();
    private HashSet<string>? _topics = [];
    private Task? _watch;

    public WatchNbSubscriber(INbWatchableDriver driver, ILogger<WatchNbSubscriber>? logger = null)
    {
        _driver = driver;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public event Action<DbUpdate>? UpdateReceived;

    public event Action<SeqGap>? GapDetected;

    public event Action<string, bool>? PublisherChanged;

    public IReadOnlyCollection<string> ConnectedPublishers => _watch is null ? [] : [_driver.Name];

    public void Subscribe(string topic)
    {
        lock (_topicsLock)
        {
            _topics?.Add(topic);
        }
    }

    public void Unsubscribe(string topic)
    {
        lock (_topicsLock)
        {
            _topics?.Remove(topic);
        }
    }

    /// <summary>Null topics means every topic.</summary>
    public void SubscribeAll()
    {
        lock (_topicsLock)
        {
            _topics = null;
        }
    }

    public void Start()
    {
        if (_watch is not null)
        {
            return;
        }
        _watch = Task.Run(RunAsync);
        PublisherChanged?.Invoke(_driver.Name, true);
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in _driver.WatchAsync(null, _stop.Token))
                {
                    Deliver(change);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // NbException: the backend cannot resume (history compacted). Anything else is
                // unexpected from the client library; either way the watch must not end for
                // good: a new one starts from now, and the resync covers what lies between.
                _logger.LogWarning("{Backend} watch lost its place ({Error}): asking for a resync", _driver.Name, e is NbException ? e.Message : e.ToString());
                GapDetected?.Invoke(new SeqGap(_driver.Name, PubSubTopic.Global, 0, -1));
                try
                {
                    await Task.Delay(RetryDelay, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Deliver(NbChange change)
    {
        var entry = change.Entry;
        var topic = PubSubTopic.Of(entry.Topic);
        lock (_topicsLock)
        {
            if (_topics is not null && !_topics.Contains(topic))
            {
                return;
            }
        }
        var update = new DbUpdate
        {
            Table = entry.Table,
            Key = entry.Id,
            Action = change.Action,
            Value = entry.Value,
            Topic = entry.Topic,
            Version = VersionOf(entry.Value),
            PublisherId = _driver.Name,
            Seq = entry.Revision,
            Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
        };
        try
        {
            UpdateReceived?.Invoke(update);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "update handler failed on {Table}/{Key}", update.Table, update.Key);
        }
    }

    /// <summary>The object's "version" if the value is a JSON object with one; 0 otherwise.</summary>
    private static long VersionOf(string value)
    {
        try
        {
            using var json = JsonDocument.Parse(value);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("version", out var v) && v.TryGetInt64(out var version) ? version : 0;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _watch?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
