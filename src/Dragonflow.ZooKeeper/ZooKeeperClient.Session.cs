using System.Threading.Channels;
using Dragonflow.ZooKeeper.Protocol;
using Microsoft.Extensions.Logging;

namespace Dragonflow.ZooKeeper;

/// <summary>
/// The session half of the client: one background loop keeps a connection to some ensemble
/// member. It resumes the session (sessionId + passwd) on whichever member answers, which the
/// ensemble allows until the session timeout passes; it then re-registers watches with
/// SetWatches, pings every third of the negotiated timeout and drops a connection that has
/// been silent for two thirds of it. An expired session is reported and replaced by a new one.
/// </summary>
public sealed partial class ZooKeeperClient
{
    private readonly (string Host, int Port)[] _hosts;
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _sessionLoop;
    private readonly Channel<ZooKeeperWatchEvent> _events = Channel.CreateUnbounded<ZooKeeperWatchEvent>(new() { SingleReader = true });
    private readonly Task _eventLoop;
    private readonly WatchRegistry _watches = new();
    private TaskCompletionSource<ZooKeeperConnection> _connected = NewConnectedSignal();
    private long _sessionId;
    private byte[] _password = new byte[16];
    private long _lastZxid;
    private int _negotiatedTimeoutMs;
    private string _lastError = "not connected yet";
    private int _expirations;

    /// <summary>The current session id (0 before the first handshake).</summary>
    public long SessionId => Interlocked.Read(ref _sessionId);

    /// <summary>The session timeout the server granted.</summary>
    public TimeSpan NegotiatedSessionTimeout => TimeSpan.FromMilliseconds(Volatile.Read(ref _negotiatedTimeoutMs));

    /// <summary>The highest zxid this client has seen; a server behind it refuses the session.</summary>
    public long LastZxid => Interlocked.Read(ref _lastZxid);

    /// <summary>How many times the ensemble expired this client's session.</summary>
    public int Expirations => Volatile.Read(ref _expirations);

    /// <summary>host:port of the member currently connected, or null.</summary>
    public string? ConnectedServer => Current is { IsClosed: false } connection ? connection.Endpoint : null;

    /// <summary>
    /// The connection the session is on, or null between connections. The signal is read once:
    /// the session loop replaces it when a connection is lost, and a second read could find the
    /// new, still pending one (whose Result would block for good).
    /// </summary>
    private ZooKeeperConnection? Current
    {
        get
        {
            var connected = Volatile.Read(ref _connected).Task;
            return connected.IsCompletedSuccessfully ? connected.Result : null;
        }
    }

    /// <summary>
    /// Fired watches and session changes (type None: SyncConnected, Disconnected, Expired), in
    /// order, on a background task; a handler that blocks delays later events.
    /// </summary>
    public event EventHandler<ZooKeeperWatchEvent>? WatchEvent;

    /// <summary>Waits until a session is established, or throws connection loss after <paramref name="timeout"/>.</summary>
    public async Task WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await _connected.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw NotConnected(timeout);
        }
    }

    /// <summary>Drops the current connection; the client reconnects and resumes the session (as after a network fault).</summary>
    public void DropConnection()
    {
        Current?.Close("dropped by the client");
    }

    private static TaskCompletionSource<ZooKeeperConnection> NewConnectedSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ZooKeeperConnectionLossException NotConnected(TimeSpan waited) =>
        new($"no session with any of {string.Join(",", _hosts.Select(h => $"{h.Host}:{h.Port}"))} within {waited.TotalMilliseconds:0} ms (last error: {Volatile.Read(ref _lastError)})");

    private static (string Host, int Port) ParseHost(string spec)
    {
        var s = spec.Trim();
        var colon = s.LastIndexOf(':');
        if (colon > 0 && s.IndexOf(']') < colon && int.TryParse(s[(colon + 1)..], out var port) && port is > 0 and < 65536)
        {
            return (s[..colon].Trim('[', ']'), port);
        }
        if (s.Length == 0 || s.Contains(':') && !s.StartsWith('['))
        {
            throw new ArgumentException($"not a host:port: '{spec}'");
        }
        return (s.Trim('[', ']'), 2181);
    }

    private async Task RunSessionAsync()
    {
        var ct = _closing.Token;
        var next = Random.Shared.Next(_hosts.Length);
        while (!ct.IsCancellationRequested)
        {
            ZooKeeperConnection? connection = null;
            for (var tried = 0; tried < _hosts.Length && connection is null && !ct.IsCancellationRequested; tried++)
            {
                var (host, port) = _hosts[next];
                next = (next + 1) % _hosts.Length;
                connection = await TryOpenSessionAsync(host, port, ct).ConfigureAwait(false);
            }
            if (connection is null)
            {
                await Pause(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
                continue;
            }
            try
            {
                await ServeAsync(connection, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Whatever went wrong with this connection, the session goes on on the next one.
                _options.Logger.LogWarning("zookeeper connection to {Server} failed: {Error}", connection.Endpoint, e.Message);
                await Pause(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
            }
        }
    }

    private async Task<ZooKeeperConnection?> TryOpenSessionAsync(string host, int port, CancellationToken ct)
    {
        try
        {
            var request = new ConnectRequest(LastZxid, (int)_options.SessionTimeout.TotalMilliseconds, SessionId, _password);
            var (connection, response) = await ZooKeeperConnection.OpenAsync(host, port, request, _options.ConnectTimeout, ct).ConfigureAwait(false);
            if (response.Expired)
            {
                connection.Dispose();
                OnExpired();
                request = new ConnectRequest(LastZxid, (int)_options.SessionTimeout.TotalMilliseconds, 0, new byte[16]);
                (connection, response) = await ZooKeeperConnection.OpenAsync(host, port, request, _options.ConnectTimeout, ct).ConfigureAwait(false);
                if (response.Expired)
                {
                    connection.Dispose();
                    throw new IOException("the server refused a new session");
                }
            }
            Interlocked.Exchange(ref _sessionId, response.SessionId);
            _password = response.Password;
            Volatile.Write(ref _negotiatedTimeoutMs, response.TimeoutMs);
            return connection;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException or ZooKeeperProtocolException)
        {
            Volatile.Write(ref _lastError, $"{host}:{port}: {e.Message}");
            _options.Logger.LogDebug("zookeeper {Server}: no session: {Error}", $"{host}:{port}", e.Message);
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e)
        {
            // Not a network error (e.g. a handshake reply we cannot read): log it and try the next server.
            Volatile.Write(ref _lastError, $"{host}:{port}: {e.Message}");
            _options.Logger.LogWarning("zookeeper {Server}: no session: {Error}", $"{host}:{port}", e.Message);
            return null;
        }
    }

    private void OnExpired()
    {
        _options.Logger.LogWarning("zookeeper session 0x{Session:x} expired; its watches are gone, opening a new session", SessionId);
        Interlocked.Increment(ref _expirations);
        Interlocked.Exchange(ref _sessionId, 0);
        _password = new byte[16];
        _watches.Clear();
        _events.Writer.TryWrite(new ZooKeeperWatchEvent(WatchEventType.None, ZooKeeperState.Expired, null));
    }

    private async Task ServeAsync(ZooKeeperConnection connection, CancellationToken ct)
    {
        var reading = connection.RunAsync(OnNotification, OnZxid);
        var timeout = Volatile.Read(ref _negotiatedTimeoutMs);
        var pingEvery = TimeSpan.FromMilliseconds(Math.Max(timeout / 3, 50));
        var silentLimit = Math.Max(timeout * 2 / 3, 100);
        try
        {
            var (data, exist, child) = _watches.Snapshot();
            if (data.Length + exist.Length + child.Length > 0)
            {
                // SetWatches: relativeZxid, dataWatches, existWatches, childWatches; the server fires
                // at once the watches whose nodes changed after relativeZxid.
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(silentLimit);
                await connection.SendSpecialAsync(SpecialXid.SetWatches, OpCode.SetWatches, w =>
                {
                    w.WriteLong(LastZxid);
                    w.WriteStringVector(data);
                    w.WriteStringVector(exist);
                    w.WriteStringVector(child);
                }, deadline.Token).ConfigureAwait(false);
            }
            _options.Logger.LogInformation("zookeeper session 0x{Session:x} on {Server}, timeout {Timeout} ms", SessionId, connection.Endpoint, timeout);
            _connected.TrySetResult(connection);
            _events.Writer.TryWrite(new ZooKeeperWatchEvent(WatchEventType.None, ZooKeeperState.SyncConnected, null));

            // The ping is not awaited: a write stuck on a peer that stopped reading must not stop
            // this loop, whose silence check is what ends such a connection.
            Task pinging = Task.CompletedTask;
            while (!reading.IsCompleted && !ct.IsCancellationRequested)
            {
                await Task.WhenAny(reading, Task.Delay(pingEvery, ct)).ConfigureAwait(false);
                if (reading.IsCompleted || ct.IsCancellationRequested)
                {
                    break;
                }
                if (Environment.TickCount64 - connection.LastReceived > silentLimit)
                {
                    connection.Close($"nothing heard for {silentLimit} ms");
                    break;
                }
                if (pinging.IsCompleted)
                {
                    pinging = PingAsync(connection);
                }
            }
        }
        catch (ZooKeeperConnectionLossException)
        {
        }
        catch (OperationCanceledException)
        {
            connection.Close(ct.IsCancellationRequested ? "the client is closing" : $"SetWatches not written within {silentLimit} ms");
        }
        finally
        {
            connection.Close("connection lost");
            // Closing cancels the read, so this ends at once; the bound is a guard, not a wait.
            if (await Task.WhenAny(reading, Task.Delay(_options.ConnectTimeout, CancellationToken.None)).ConfigureAwait(false) != reading)
            {
                _options.Logger.LogError("zookeeper connection to {Server}: its reader did not stop after the close", connection.Endpoint);
            }
            Volatile.Write(ref _lastError, $"{connection.Endpoint}: {connection.CloseReason}");
            if (!ct.IsCancellationRequested)
            {
                _options.Logger.LogWarning("zookeeper connection to {Server} lost: {Reason}", connection.Endpoint, connection.CloseReason);
            }
            // Later requests wait for the next connection instead of failing on this one.
            if (_connected.Task.IsCompleted)
            {
                Volatile.Write(ref _connected, NewConnectedSignal());
            }
            connection.Dispose();
            if (!ct.IsCancellationRequested)
            {
                _events.Writer.TryWrite(new ZooKeeperWatchEvent(WatchEventType.None, ZooKeeperState.Disconnected, null));
            }
        }
    }

    private static async Task PingAsync(ZooKeeperConnection connection)
    {
        try
        {
            await connection.SendSpecialAsync(SpecialXid.Ping, OpCode.Ping).ConfigureAwait(false);
        }
        catch (ZooKeeperConnectionLossException)
        {
            // The connection is closed already; the session loop moves to the next one.
        }
    }

    private void OnZxid(long zxid)
    {
        var seen = Interlocked.Read(ref _lastZxid);
        while (zxid > seen)
        {
            var was = Interlocked.CompareExchange(ref _lastZxid, zxid, seen);
            if (was == seen)
            {
                return;
            }
            seen = was;
        }
    }

    private void OnNotification(ZooKeeperWatchEvent e)
    {
        _watches.Fired(e);
        _events.Writer.TryWrite(e);
    }

    private async Task DispatchEventsAsync()
    {
        await foreach (var e in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                WatchEvent?.Invoke(this, e);
            }
            catch (Exception)
            {
                // A faulty handler must not stop delivery to the others.
            }
        }
    }

    private static async Task Pause(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
