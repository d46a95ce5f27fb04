using System.Buffers.Binary;
using System.Net.Sockets;
using Dragonflow.ZooKeeper.Jute;

namespace Dragonflow.ZooKeeper.Protocol;

/// <summary>A reply frame: the ReplyHeader (xid, zxid, err) and the response record after it.</summary>
internal sealed record Reply(int Xid, long Zxid, ZooKeeperErrorCode Error, byte[] Body);

/// <summary>
/// One TCP connection to one server, after the ConnectRequest/ConnectResponse handshake.
/// Requests are pipelined: each frame is a RequestHeader (xid, type) and a request record; the
/// server answers in request order, so replies are matched to the oldest outstanding xid.
/// Frames with xid -1 are watch notifications, -2 ping replies, -8 the SetWatches reply.
///
/// Close ends every wait on this connection: the reading loop, the socket write in progress and
/// the writers queued behind it. A peer that vanished without closing (half-open TCP) or stopped
/// reading is detected by the session's silence limit, which closes the connection.
/// </summary>
internal sealed class ZooKeeperConnection : IDisposable
{
    // jute.maxbuffer defaults to about 1 MiB; anything far beyond is a broken stream.
    private const int MaxFrame = 64 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly Queue<(int Xid, TaskCompletionSource<Reply> Reply)> _pending = new();
    // A System.Threading.Lock, not a monitor on _pending: under load a monitor here was once seen
    // with two waiters and no owner (both the reader's close and a writer blocked for good).
    private readonly Lock _gate = new();
    private int _nextXid;
    private bool _closed;
    private string _closeReason = "connection closed";
    private long _lastReceived = Environment.TickCount64;

    private ZooKeeperConnection(Socket socket, string endpoint)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Endpoint = endpoint;
    }

    public string Endpoint { get; }

    /// <summary>Milliseconds (Environment.TickCount64) when the server last sent anything.</summary>
    public long LastReceived => Interlocked.Read(ref _lastReceived);

    /// <summary>Connects and performs the session handshake; the caller owns the connection.</summary>
    public static async Task<(ZooKeeperConnection Connection, ConnectResponse Response)> OpenAsync(
        string host, int port, ConnectRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        ZooKeeperConnection? connection = null;
        try
        {
            await socket.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
            connection = new ZooKeeperConnection(socket, $"{host}:{port}");
            var w = new JuteWriter();
            request.Write(w);
            await connection._stream.WriteAsync(w.ToFrame(), cts.Token).ConfigureAwait(false);
            var frame = await ReadFrameAsync(connection._stream, cts.Token).ConfigureAwait(false)
                ?? throw new IOException("the server closed the connection during the handshake");
            return (connection, ConnectResponse.Read(frame));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Close(connection, socket);
            throw new TimeoutException($"no session handshake with {host}:{port} within {timeout.TotalMilliseconds} ms");
        }
        catch
        {
            Close(connection, socket);
            throw;
        }

        static void Close(ZooKeeperConnection? c, Socket s)
        {
            if (c is null)
            {
                s.Dispose();
            }
            else
            {
                c.Dispose();
            }
        }
    }

    /// <summary>Reads replies until the connection breaks; then fails every outstanding request with connection loss.</summary>
    public async Task RunAsync(Action<ZooKeeperWatchEvent> onNotification, Action<long> onZxid)
    {
        try
        {
            while (await ReadFrameAsync(_stream, _closing.Token).ConfigureAwait(false) is { } frame)
            {
                Interlocked.Exchange(ref _lastReceived, Environment.TickCount64);
                Dispatch(frame, onNotification, onZxid);
            }
            Close("the server closed the connection");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close(e.Message);
        }
        catch (Exception e)
        {
            // A frame we cannot read (or a handler that failed on it) ends this connection, never
            // the session: the client reconnects and resynchronises.
            Close($"protocol error: {e.GetType().Name}: {e.Message}");
        }
    }

    private void Dispatch(byte[] frame, Action<ZooKeeperWatchEvent> onNotification, Action<long> onZxid)
    {
        var r = new JuteReader(frame);
        var xid = r.ReadInt();
        var zxid = r.ReadLong();
        var err = (ZooKeeperErrorCode)r.ReadInt();
        if (zxid > 0)
        {
            onZxid(zxid);
        }
        switch (xid)
        {
            case SpecialXid.Notification:
                onNotification(ZooKeeperWatchEvent.Read(ref r));
                return;
            case SpecialXid.Ping or SpecialXid.SetWatches:
                return;
        }
        TaskCompletionSource<Reply> waiter;
        lock (_gate)
        {
            if (!_pending.TryPeek(out var head) || head.Xid != xid)
            {
                throw new ZooKeeperProtocolException($"reply for xid {xid} but the oldest request is {(_pending.Count == 0 ? "none" : head.Xid)}");
            }
            waiter = _pending.Dequeue().Reply;
        }
        waiter.TrySetResult(new Reply(xid, zxid, err, frame.AsSpan(16).ToArray()));
    }

    /// <summary>
    /// Sends a request and waits for its reply, both within <paramref name="cancellationToken"/>;
    /// connection loss if the connection closes first.
    /// </summary>
    public async Task<Reply> SendAsync(OpCode type, Action<JuteWriter>? body, CancellationToken cancellationToken)
    {
        var w = new JuteWriter();
        w.WriteInt(0);
        w.WriteInt((int)type);
        body?.Invoke(w);
        var reply = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        await WithinAsync(WriteAsync(w, reply, cancellationToken), cancellationToken).ConfigureAwait(false);
        return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a frame with a reserved xid (ping, SetWatches) whose reply is not awaited; waits at
    /// most until <paramref name="cancellationToken"/> for it to be written.
    /// </summary>
    public Task SendSpecialAsync(int xid, OpCode type, Action<JuteWriter>? body = null, CancellationToken cancellationToken = default)
    {
        var w = new JuteWriter();
        w.WriteInt(xid);
        w.WriteInt((int)type);
        body?.Invoke(w);
        return WithinAsync(WriteAsync(w, null, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Waits for a write until the caller's deadline. A frame half written cannot be taken back,
    /// so a socket write outlives a caller that gave up; it ends when the connection closes.
    /// </summary>
    private static async Task WithinAsync(Task write, CancellationToken cancellationToken)
    {
        try
        {
            await write.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = write.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    private async Task WriteAsync(JuteWriter frame, TaskCompletionSource<Reply>? reply, CancellationToken cancellationToken)
    {
        // Waiting for the writer ahead (which may be stuck on a peer that stopped reading) ends at
        // the caller's deadline or when the connection closes; nothing was sent then.
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token))
        {
            try
            {
                await _writeLock.WaitAsync(waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_closing.IsCancellationRequested)
            {
                throw new ZooKeeperConnectionLossException($"{Endpoint}: {CloseReason}") { NotSent = true };
            }
        }
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (reply is not null)
            {
                // The xid is taken and queued under the write lock, so queue order is wire order.
                lock (_gate)
                {
                    if (_closed)
                    {
                        throw new ZooKeeperConnectionLossException($"{Endpoint}: {_closeReason}") { NotSent = true };
                    }
                    var xid = ++_nextXid;
                    if (xid <= 0)
                    {
                        xid = _nextXid = 1;
                    }
                    frame.PatchInt(4, xid);
                    _pending.Enqueue((xid, reply));
                }
            }
            await _stream.WriteAsync(frame.ToFrame(), _closing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            throw new ZooKeeperConnectionLossException($"{Endpoint}: {CloseReason}");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close(e.Message);
            throw new ZooKeeperConnectionLossException($"{Endpoint}: {e.Message}", e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Drops the connection (e.g. the server stopped answering pings); outstanding requests fail.</summary>
    public void Close(string reason)
    {
        List<TaskCompletionSource<Reply>> orphans;
        lock (_gate)
        {
            if (!_closed)
            {
                _closed = true;
                _closeReason = reason;
            }
            orphans = _pending.Select(p => p.Reply).ToList();
            _pending.Clear();
        }
        // Cancelling ends the read and the write in progress even if disposing the socket did not.
        _closing.Cancel();
        _socket.Dispose();
        foreach (var o in orphans)
        {
            o.TrySetException(new ZooKeeperConnectionLossException($"{Endpoint}: {_closeReason}"));
        }
    }

    /// <summary>Why the connection closed (the first reason given).</summary>
    public string CloseReason
    {
        get
        {
            lock (_gate)
            {
                return _closeReason;
            }
        }
    }

    public bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    private static async Task<byte[]?> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var prefix = new byte[4];
        var got = await stream.ReadAtLeastAsync(prefix, 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }
        if (got < 4)
        {
            throw new IOException("the connection closed inside a frame length");
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (length is < 0 or > MaxFrame)
        {
            throw new ZooKeeperProtocolException($"frame length {length}");
        }
        var frame = new byte[length];
        await stream.ReadExactlyAsync(frame, cancellationToken).ConfigureAwait(false);
        return frame;
    }

    public void Dispose()
    {
        Close("connection closed by the client");
        _stream.Dispose();
    }
}
