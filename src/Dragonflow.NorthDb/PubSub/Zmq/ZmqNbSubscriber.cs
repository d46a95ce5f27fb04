using Dragonflow.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NetMQ;
using NetMQ.Sockets;

namespace Dragonflow.NorthDb.PubSub.Zmq;

/// <summary>
/// Receives DbUpdates from every publisher in the NB publisher table over one ZeroMQ SUB
/// socket. The socket, the connection set and the seq bookkeeping belong to the poller thread;
/// other threads only enqueue commands. The publisher table is re-read every poll interval
/// (and at once when a publisher row update arrives), so new publishers are found and removed
/// ones dropped.
/// </summary>
public sealed class ZmqNbSubscriber : INbSubscriber
{
    private readonly NbApi _api;
    private readonly TimeSpan _pollInterval;
    private readonly ILogger _logger;
    private readonly SubscriberSocket _socket = new();
    private readonly NetMQQueue<Action> _commands = new();
    private readonly NetMQPoller _poller;
    private readonly CancellationTokenSource _stop = new();
    // Poller-thread state.
    private readonly Dictionary<string, string> _connected = new(StringComparer.Ordinal);
    private readonly SeqTracker _seqs = new();
    private volatile string[] _connectedIds = [];
    private Task? _follow;
    // Released when a publisher row changed, so the publisher table is read again at once.
    private readonly SemaphoreSlim _refreshRequested = new(0, 1);

    public ZmqNbSubscriber(NbApi api, TimeSpan? publisherPollInterval = null, ILogger<ZmqNbSubscriber>? logger = null)
    {
        _api = api;
        _pollInterval = publisherPollInterval ?? TimeSpan.FromSeconds(2);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _socket.Options.ReceiveHighWatermark = 100_000;
        _socket.Options.Linger = TimeSpan.Zero;
        _socket.ReceiveReady += OnReceiveReady;
        _commands.ReceiveReady += (_, e) =>
        {
            while (e.Queue.TryDequeue(out var command, TimeSpan.Zero))
            {
                command();
            }
        };
        _poller = new NetMQPoller { _socket, _commands };
    }

    public event Action<DbUpdate>? UpdateReceived;

    public event Action<SeqGap>? GapDetected;

    public event Action<string, bool>? PublisherChanged;

    public IReadOnlyCollection<string> ConnectedPublishers => _connectedIds;

    public void Subscribe(string topic) => _commands.Enqueue(() => _socket.Subscribe(ZmqWire.TopicFrame(topic)));

    public void Unsubscribe(string topic) => _commands.Enqueue(() => _socket.Unsubscribe(ZmqWire.TopicFrame(topic)));

    public void SubscribeAll() => _commands.Enqueue(() => _socket.Subscribe(Array.Empty<byte>()));

    public void Start()
    {
        if (_follow is not null)
        {
            return;
        }
        _poller.RunAsync("nb-subscriber");
        _follow = Task.Run(FollowPublisherTableAsync);
    }

    private async Task FollowPublisherTableAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var publishers = await _api.ListAsync<Publisher>(cancellationToken: _stop.Token);
                var wanted = publishers.Items.Where(p => p.Uri.Length > 0).ToDictionary(p => p.Id, p => p.Uri, StringComparer.Ordinal);
                _commands.Enqueue(() => Reconcile(wanted));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever the failure, following the publishers must go on: try again later.
                _logger.LogWarning("cannot read the publisher table: {Error}", e is NbException ? e.Message : e.ToString());
            }
            try
            {
                // The poll finds publishers nobody told us of; a published publisher row wakes it early.
                await _refreshRequested.WaitAsync(_pollInterval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Reconcile(Dictionary<string, string> wanted)
    {
        foreach (var (id, uri) in _connected.ToList())
        {
            if (!wanted.TryGetValue(id, out var newUri) || newUri != uri)
            {
                TryRun(() => _socket.Disconnect(uri), $"disconnect from {uri}");
                _connected.Remove(id);
                _seqs.Forget(id);
                PublisherChanged?.Invoke(id, false);
            }
        }
        foreach (var (id, uri) in wanted)
        {
            if (!_connected.ContainsKey(id) && TryRun(() => _socket.Connect(uri), $"connect to {uri}"))
            {
                _connected[id] = uri;
                PublisherChanged?.Invoke(id, true);
            }
        }
        _connectedIds = [.. _connected.Keys];
    }

    private bool TryRun(Action action, string what)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception e) when (e is NetMQException or ArgumentException or System.Net.Sockets.SocketException)
        {
            _logger.LogWarning("subscriber cannot {What}: {Error}", what, e.Message);
            return false;
        }
    }

    private void OnReceiveReady(object? sender, NetMQSocketEventArgs e)
    {
        var message = new NetMQMessage();
        while (e.Socket.TryReceiveMultipartMessage(ref message))
        {
            if (message.FrameCount != 2)
            {
                _logger.LogWarning("dropping a pub/sub message of {Count} frames", message.FrameCount);
                continue;
            }
            var update = DbUpdateWire.TryParse(message[1].ToByteArray());
            if (update is null)
            {
                _logger.LogWarning("dropping a malformed pub/sub message of {Bytes} bytes", message[1].BufferSize);
                continue;
            }
            Deliver(update);
        }
    }

    private void Deliver(DbUpdate update)
    {
        if (_seqs.Observe(update, last => _logger.LogWarning("publisher {Id} went back from seq {Last} to {Seq}", update.PublisherId, last, update.Seq)) is { } gap)
        {
            GapDetected?.Invoke(gap);
        }
        if (update.Table == NbTables.Publisher.Name)
        {
            try
            {
                _refreshRequested.Release();
            }
            catch (SemaphoreFullException)
            {
                // a refresh is already asked for
            }
        }
        try
        {
            UpdateReceived?.Invoke(update);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "update handler failed on {Table}/{Key}", update.Table, update.Key);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _follow?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        if (_poller.IsRunning)
        {
            _poller.Stop();
        }
        _poller.Dispose();
        _commands.Dispose();
        _socket.Dispose();
        _stop.Dispose();
        _refreshRequested.Dispose();
    }
}
