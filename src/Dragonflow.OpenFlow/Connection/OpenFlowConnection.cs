using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;
using Microsoft.Extensions.Logging;

namespace Dragonflow.OpenFlow.Connection;

/// <summary>Raised for each PACKET_IN; the view is valid only during the call (copy what you keep).</summary>
public delegate void PacketInHandler(OpenFlowConnection connection, PacketIn packetIn);

/// <summary>
/// One switch's OpenFlow 1.3 session over a socket the switch opened to us.
///
/// Reading: one loop cuts the stream into messages (System.IO.Pipelines), answers echoes,
/// completes awaited requests by xid and raises events for the layer above. A malformed message
/// is logged and dropped; a broken stream (a length below 8) closes the connection.
///
/// Writing: senders encode straight into an in-memory pipe under a short lock (no allocation on
/// the fast path); one loop drains it into the socket, so messages queued meanwhile leave in one
/// send. Thousands of FLOW_MODs followed by one barrier therefore cost few system calls.
///
/// Handshake (in the read loop, before any event): HELLO (1.3 only), FEATURES_REQUEST for the
/// datapath id, SET_CONFIG miss_send_len; then <see cref="Ready"/> completes and the listener
/// announces the connection. Liveness: ECHO_REQUEST after silence, close after a longer one.
/// </summary>
public sealed partial class OpenFlowConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly OpenFlowConnectionOptions _options;
    private readonly ILogger _log;
    private readonly Pipe _output;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, PendingRequest> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<OpenFlowConnection>? _onReady;
    private int _xid;
    private Task _writeLoop = Task.CompletedTask;
    private int _closeStarted;
    private long _lastReceivedTicks;
    private uint _featuresXid;
    private HandshakeState _state = HandshakeState.AwaitHello;

    private enum HandshakeState { AwaitHello, AwaitFeatures, Ready }

    internal OpenFlowConnection(Socket socket, OpenFlowConnectionOptions options, Action<OpenFlowConnection>? onReady = null)
    {
        _socket = socket;
        _options = options;
        _onReady = onReady;
        _log = options.LoggerFactory.CreateLogger<OpenFlowConnection>();
        RemoteEndPoint = SafeRemote(socket);
        _output = new Pipe(new PipeOptions(
            pauseWriterThreshold: options.SendBufferLimit,
            resumeWriterThreshold: options.SendBufferLimit / 2,
            minimumSegmentSize: 64 * 1024,
            useSynchronizationContext: false));
    }

    public EndPoint? RemoteEndPoint { get; }
    public SwitchFeatures Features { get; private set; }
    public ulong DatapathId => Features.DatapathId;

    /// <summary>Completes when the handshake is done; faults if it fails.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Completes when the connection has closed.</summary>
    public Task Closed => _closed.Task;

    public bool IsConnected => _state == HandshakeState.Ready && _closeStarted == 0;

    /// <summary>Why the connection closed (null while open or after a clean close).</summary>
    public Exception? CloseReason { get; private set; }

    public event PacketInHandler? PacketIn;
    public event Action<OpenFlowConnection, PortStatus>? PortStatus;
    public event Action<OpenFlowConnection, FlowRemoved>? FlowRemoved;

    /// <summary>An OFPT_ERROR that no awaiting call claimed (e.g. for a fire-and-forget FLOW_MOD).</summary>
    public event Action<OpenFlowConnection, ErrorMessage, uint>? Error;
    public event Action<OpenFlowConnection, Exception?>? Disconnected;

    public override string ToString() => $"switch {DatapathId:x16} ({RemoteEndPoint})";

    /// <summary>Allocates a transaction id.</summary>
    public uint NextXid() => (uint)Interlocked.Increment(ref _xid);

    /// <summary>Starts the loops and the handshake; the listener calls this for each accepted socket.</summary>
    internal void Start()
    {
        Volatile.Write(ref _lastReceivedTicks, Environment.TickCount64);
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        var writer = _writeLoop = WriteLoopAsync();
        var liveness = LivenessLoopAsync();
        try
        {
            await SendAsync(new Hello()).ConfigureAwait(false);
            await ReadLoopAsync().ConfigureAwait(false);
            await CloseAsync(null).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await CloseAsync(e).ConfigureAwait(false);
        }
        await Task.WhenAll(writer, liveness).ConfigureAwait(false);
    }

    // ---- reading ----------------------------------------------------------------------------

    private async Task ReadLoopAsync()
    {
        var stream = new NetworkStream(_socket, ownsSocket: false);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await reader.ReadAsync(_closing.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (IOException e)
                {
                    throw new OpenFlowConnectionClosedException("connection reset", e);
                }
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                    Volatile.Write(ref _lastReceivedTicks, Environment.TickCount64);
                try
                {
                    while (FrameReader.TryReadFrame(ref buffer, out var frame))
                        Dispatch(frame);
                }
                catch (OpenFlowProtocolException e)
                {
                    // The framing itself is broken: nothing after this point can be trusted.
                    _log.LogWarning("{Switch}: closing, unreadable stream: {Reason}", this, e.Message);
                    throw;
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                        _log.LogWarning("{Switch}: stream ended inside a message ({Bytes} bytes)", this, buffer.Length);
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Dispatch(in ReadOnlySequence<byte> frame)
    {
        if (frame.IsSingleSegment)
        {
            DispatchSafely(frame.FirstSpan);
            return;
        }
        var length = (int)frame.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            frame.CopyTo(rented);
            DispatchSafely(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void DispatchSafely(ReadOnlySpan<byte> msg)
    {
        try
        {
            Handle(msg);
        }
        catch (OpenFlowProtocolException e)
        {
            _log.LogWarning("{Switch}: dropped malformed {Type} message: {Reason}", this, (OfpType)msg[1], e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not OpenFlowConnectionClosedException)
        {
            // An event handler of the layer above failed; the session must survive it.
            _log.LogError(e, "{Switch}: handler for {Type} failed", this, (OfpType)msg[1]);
        }
    }

    private void Handle(ReadOnlySpan<byte> msg)
    {
        var header = OfpHeader.Read(msg);
        if (header.Type == OfpType.Hello)
        {
            OnHello(msg);
            return;
        }
        if (header.Version != OfpHeader.Version13)
        {
            _log.LogWarning("{Switch}: dropped {Type} with version {Version}", this, header.Type, header.Version);
            return;
        }
        switch (header.Type)
        {
            case OfpType.EchoRequest:
                Reply(new Echo(OfpType.EchoReply, msg[OfpHeader.Size..].ToArray()), header.Xid);
                break;
            case OfpType.EchoReply:
                Complete(header.Xid, msg);
                break;
            case OfpType.FeaturesReply:
                if (_state == HandshakeState.AwaitFeatures && header.Xid == _featuresXid)
                    OnFeatures(SwitchFeatures.Read(msg));
                else
                    Complete(header.Xid, msg);
                break;
            case OfpType.Error:
                OnError(ErrorMessage.Read(msg), header.Xid);
                break;
            case OfpType.PacketIn when _state == HandshakeState.Ready:
                var packetIn = Messages.PacketIn.Read(msg);
                PacketIn?.Invoke(this, packetIn);
                break;
            case OfpType.PortStatus when _state == HandshakeState.Ready:
                PortStatus?.Invoke(this, Messages.PortStatus.Read(msg));
                break;
            case OfpType.FlowRemoved when _state == HandshakeState.Ready:
                FlowRemoved?.Invoke(this, Messages.FlowRemoved.Read(msg));
                break;
            case OfpType.MultipartReply:
            case OfpType.BarrierReply:
            case OfpType.GetConfigReply:
            case OfpType.Experimenter:
            case OfpType.RoleReply:
            case OfpType.GetAsyncReply:
                Complete(header.Xid, msg);
                break;
            default:
                _log.LogDebug("{Switch}: ignored {Type}", this, header.Type);
                break;
        }
    }

    private void OnHello(ReadOnlySpan<byte> msg)
    {
        if (_state != HandshakeState.AwaitHello)
            return;
        if (!Hello.SupportsVersion13(msg))
        {
            var version = msg[0];
            var error = new ErrorMessage(0, 0, 0, "We support OpenFlow 1.3 (0x04) only."u8.ToArray());
            Reply(error, OfpHeader.Read(msg).Xid);
            throw new OpenFlowConnectionClosedException($"switch does not speak OpenFlow 1.3 (hello version {version})");
        }
        _state = HandshakeState.AwaitFeatures;
        _featuresXid = NextXid();
        Reply(HeaderOnly.FeaturesRequest, _featuresXid);
    }

    private void OnFeatures(SwitchFeatures features)
    {
        Features = features;
        Reply(new SwitchConfig(0, _options.MissSendLength), NextXid());
        _state = HandshakeState.Ready;
        _log.LogInformation("{Switch}: connected ({Tables} tables)", this, features.Tables);
        // Synchronously, before the next message is read: subscribers attach before any event.
        _onReady?.Invoke(this);
        _ready.TrySetResult();
    }

    private void OnError(ErrorMessage error, uint xid)
    {
        if (_state != HandshakeState.Ready && error.Type == 0)
            throw new OpenFlowConnectionClosedException($"handshake failed: {error}");
        if (_pending.TryRemove(xid, out var p))
        {
            p.Fail(new OpenFlowErrorException(error, xid));
            return;
        }
        if (ClaimBatchError(error, xid))
            return;
        _log.LogWarning("{Switch}: error for xid {Xid}: {Error}", this, xid, error);
        Error?.Invoke(this, error, xid);
    }

    /// <summary>Hands a reply to the call awaiting its xid.</summary>
    private void Complete(uint xid, ReadOnlySpan<byte> msg)
    {
        if (!_pending.TryGetValue(xid, out var p))
        {
            _log.LogDebug("{Switch}: unsolicited {Type} xid {Xid}", this, (OfpType)msg[1], xid);
            return;
        }
        if (p.Accept(msg))
            _pending.TryRemove(xid, out _);
    }

    /// <summary>Sends from the read loop: the fast path completes synchronously; otherwise it is not awaited.</summary>
    private void Reply<T>(T message, uint xid) where T : IOpenFlowMessage
    {
        var t = SendAsync(message, xid, CancellationToken.None);
        if (!t.IsCompletedSuccessfully)
            _ = t.AsTask().ContinueWith(static (x, s) => ((ILogger)s!).LogDebug(x.Exception, "reply not sent"), _log, TaskContinuationOptions.OnlyOnFaulted);
    }

    // ---- writing ----------------------------------------------------------------------------

    /// <summary>Queues a message with a fresh xid; returns the xid.</summary>
    public ValueTask<uint> SendAsync<T>(T message, CancellationToken cancellationToken = default) where T : IOpenFlowMessage
    {
        var xid = NextXid();
        var t = SendAsync(message, xid, cancellationToken);
        return t.IsCompletedSuccessfully ? new ValueTask<uint>(xid) : AwaitXid(t, xid);

        static async ValueTask<uint> AwaitXid(ValueTask t, uint xid)
        {
            await t.ConfigureAwait(false);
            return xid;
        }
    }

    /// <summary>Queues a message with the given xid. Allocation-free when the send queue is not full.</summary>
    public ValueTask SendAsync<T>(T message, uint xid, CancellationToken cancellationToken = default) where T : IOpenFlowMessage
    {
        if (_closeStarted != 0)
            return ValueTask.FromException(ClosedError());
        if (!_writeLock.Wait(0))
            return SendContendedAsync(message, xid, cancellationToken);
        var release = true;
        try
        {
            Encode(message, xid);
            var flush = _output.Writer.FlushAsync(cancellationToken);
            if (flush.IsCompletedSuccessfully)
                return flush.Result.IsCompleted ? ValueTask.FromException(ClosedError()) : default;
            release = false;
            return AwaitFlushAndRelease(flush);
        }
        finally
        {
            if (release) _writeLock.Release();
        }
    }

    private async ValueTask SendContendedAsync<T>(T message, uint xid, CancellationToken ct) where T : IOpenFlowMessage
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_closeStarted != 0) throw ClosedError();
            Encode(message, xid);
            var r = await _output.Writer.FlushAsync(ct).ConfigureAwait(false);
            if (r.IsCompleted) throw ClosedError();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask AwaitFlushAndRelease(ValueTask<FlushResult> flush)
    {
        try
        {
            var r = await flush.ConfigureAwait(false);
            if (r.IsCompleted) throw ClosedError();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void Encode<T>(T message, uint xid) where T : IOpenFlowMessage
    {
        var size = message.Size;
        var span = _output.Writer.GetSpan(size);
        message.Write(span, xid);
        _output.Writer.Advance(size);
    }

    /// <summary>
    /// Queues many messages pipelined under one lock, flushing (and honouring back-pressure) every
    /// 256 KiB. Returns the xid of the first message; they are consecutive. Errors surface through
    /// <see cref="Error"/>; use <see cref="SendBatchAsync"/> to await and check them.
    /// </summary>
    public ValueTask<uint> SendManyAsync<T>(IReadOnlyList<T> messages, CancellationToken cancellationToken = default)
        where T : IOpenFlowMessage => SendTrackedAsync(messages, null, cancellationToken);

    private async Task WriteLoopAsync()
    {
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    var sent = 0;
                    while (sent < segment.Length)
                        sent += await _socket.SendAsync(segment[sent..], SocketFlags.None).ConfigureAwait(false);
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted) break;
            }
            await reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await reader.CompleteAsync(e).ConfigureAwait(false);
            _ = CloseAsync(new OpenFlowConnectionClosedException("send failed", e));
        }
    }

    // ---- liveness and closing -----------------------------------------------------------------

    private async Task LivenessLoopAsync()
    {
        var tick = TimeSpan.FromMilliseconds(Math.Max(50, Math.Min(_options.EchoInterval.TotalMilliseconds, _options.HandshakeTimeout.TotalMilliseconds) / 4));
        using var timer = new PeriodicTimer(tick);
        var started = Environment.TickCount64;
        long lastEcho = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(_closing.Token).ConfigureAwait(false))
            {
                var now = Environment.TickCount64;
                if (_state != HandshakeState.Ready && now - started > _options.HandshakeTimeout.TotalMilliseconds)
                {
                    _ = CloseAsync(new TimeoutException("handshake timed out"));
                    return;
                }
                var silent = now - Volatile.Read(ref _lastReceivedTicks);
                if (silent > _options.DeadInterval.TotalMilliseconds)
                {
                    _log.LogWarning("{Switch}: no message for {Ms} ms, closing", this, silent);
                    _ = CloseAsync(new TimeoutException($"switch silent for {silent} ms"));
                    return;
                }
                if (silent > _options.EchoInterval.TotalMilliseconds && now - lastEcho > _options.EchoInterval.TotalMilliseconds)
                {
                    lastEcho = now;
                    Reply(new Echo(OfpType.EchoRequest, ReadOnlyMemory<byte>.Empty), NextXid());
                }
                ExpireRequests(now);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Closes the connection; pending requests fail with <see cref="OpenFlowConnectionClosedException"/>.</summary>
    public ValueTask DisposeAsync() => new(CloseAsync(null));

    private async Task CloseAsync(Exception? reason)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            await _closed.Task.ConfigureAwait(false);
            return;
        }
        CloseReason = reason;
        if (reason is not null)
            _log.LogInformation("{Switch}: disconnected: {Reason}", this, reason.Message);
        _closing.Cancel();
        // Let queued bytes go out before the socket closes (bounded wait).
        await _writeLock.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await Task.WhenAny(_writeLoop, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        _socket.Dispose();
        var closed = ClosedError();
        foreach (var kv in _pending)
            if (_pending.TryRemove(kv.Key, out var p)) p.Fail(closed);
        FailBatches(closed);
        _ready.TrySetException(reason ?? closed);
        _ = _ready.Task.Exception; // observed
        try
        {
            if (_state == HandshakeState.Ready) Disconnected?.Invoke(this, reason);
        }
        catch (Exception e)
        {
            _log.LogError(e, "{Switch}: disconnected handler failed", this);
        }
        _closed.TrySetResult();
    }

    private OpenFlowConnectionClosedException ClosedError() =>
        new($"connection to {this} is closed" + (CloseReason is null ? "" : $": {CloseReason.Message}"), CloseReason);

    private static EndPoint? SafeRemote(Socket s)
    {
        try { return s.RemoteEndPoint; } catch (SocketException) { return null; }
    }
}
