using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NetMQ;
using NetMQ.Sockets;

namespace Dragonflow.NorthDb.PubSub.Zmq;

/// <summary>
/// Publishes DbUpdates on a ZeroMQ PUB socket. The socket lives on one poller thread (NetMQ
/// sockets are not thread safe); <see cref="Publish"/> stamps the update under a lock and hands
/// it to that thread through a queue, so send order is seq order.
/// </summary>
public sealed class ZmqNbPublisher : INbPublisher
{
    private readonly string _bindAddress;
    private readonly int _port;
    private readonly string? _advertiseAddress;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly SeqStamper _stamper;
    private NetMQQueue<(byte[] Topic, byte[] Body)>? _queue;
    private PublisherSocket? _socket;
    private NetMQPoller? _poller;

    /// <param name="bindAddress">Interface to bind: an IP, or "*" for all.</param>
    /// <param name="port">TCP port; 0 picks a free one.</param>
    /// <param name="advertiseAddress">Address written into the publisher table; defaults to the bind address (127.0.0.1 for "*").</param>
    public ZmqNbPublisher(string bindAddress, int port, string? advertiseAddress = null, ILogger<ZmqNbPublisher>? logger = null, TimeProvider? time = null)
    {
        _bindAddress = bindAddress;
        _port = port;
        _advertiseAddress = advertiseAddress;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _stamper = new SeqStamper(Guid.NewGuid().ToString(), time);
    }

    public string PublisherId => _stamper.PublisherId;

    public string? Uri { get; private set; }

    /// <summary>Test hook: updates for which this returns true get their seq but are not sent.</summary>
    internal Func<DbUpdate, bool>? DropForTest { get; set; }

    public void Start()
    {
        lock (_lock)
        {
            if (_poller is not null)
            {
                return;
            }
            var socket = new PublisherSocket();
            socket.Options.SendHighWatermark = 100_000;
            socket.Options.Linger = TimeSpan.FromMilliseconds(500);
            int port;
            try
            {
                var host = _bindAddress is "*" or "0.0.0.0" ? "*" : _bindAddress;
                if (_port == 0)
                {
                    port = socket.BindRandomPort($"tcp://{host}");
                }
                else
                {
                    socket.Bind($"tcp://{host}:{_port}");
                    port = _port;
                }
            }
            catch (Exception e) when (e is NetMQException or System.Net.Sockets.SocketException or ArgumentException)
            {
                socket.Dispose();
                throw new NbBackendUnavailableException("zmq", $"cannot bind publisher to {_bindAddress}:{_port}: {e.Message}", e);
            }
            var advertised = _advertiseAddress ?? (_bindAddress is "*" or "0.0.0.0" ? "127.0.0.1" : _bindAddress);
            Uri = $"tcp://{advertised}:{port}";

            var queue = new NetMQQueue<(byte[] Topic, byte[] Body)>();
            queue.ReceiveReady += (_, e) =>
            {
                while (e.Queue.TryDequeue(out var message, TimeSpan.Zero))
                {
                    socket.SendMoreFrame(message.Topic).SendFrame(message.Body);
                }
            };
            _socket = socket;
            _queue = queue;
            _poller = new NetMQPoller { queue };
            _poller.RunAsync("nb-publisher");
            _logger.LogInformation("publisher {Id} bound at {Uri}", PublisherId, Uri);
        }
    }

    public DbUpdate Publish(DbUpdate update)
    {
        var queue = _queue ?? throw new InvalidOperationException("publisher not started");
        return _stamper.Stamp(update, (topic, stamped) =>
        {
            if (DropForTest?.Invoke(stamped) != true)
            {
                queue.Enqueue((ZmqWire.TopicFrame(topic), DbUpdateWire.Body(stamped)));
            }
        });
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_poller is null)
            {
                return;
            }
            _poller.Stop();
            _poller.Dispose();
            _queue!.Dispose();
            _socket!.Dispose();
            _poller = null;
        }
    }
}
