using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Ovsdb.Rpc;

/// <summary>
/// One live JSON-RPC session over a socket (RFC 7047 §4). A single read loop parses messages
/// in order: responses complete their request, notifications go to <see cref="Notification"/>
/// (called on the read loop, so updates are seen in the order the server sent them), and the
/// server's "echo" requests are answered. When nothing arrives for one probe interval we send
/// our own echo; when that stays unanswered for another interval, the peer is declared dead. Any failure —
/// socket error, malformed message, dead peer — aborts the whole session and fails every
/// outstanding request; the owner reconnects.
/// </summary>
internal sealed class JsonRpcConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly TimeSpan _probeInterval;
    private readonly ConcurrentDictionary<long, PendingRequest> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private long _lastReceiveTicks = Environment.TickCount64;
    private Task _readLoop = Task.CompletedTask;
    private Task _probeLoop = Task.CompletedTask;

    private JsonRpcConnection(Socket socket, string peer, ILogger logger, TimeSpan probeInterval)
    {
        _socket = socket;
        Peer = peer;
        _logger = logger;
        _probeInterval = probeInterval;
    }

    public string Peer { get; }

    /// <summary>Called on the read loop for each notification (method, params).</summary>
    public Action<string, JsonArray>? Notification { get; set; }

    /// <summary>Completes with the reason once the session is over.</summary>
    public Task<Exception> Closed => _closed.Task;

    public bool IsOpen => !_closed.Task.IsCompleted;

    public static async Task<JsonRpcConnection> ConnectAsync(OvsdbEndpoint endpoint, ILogger logger,
        TimeSpan probeInterval, CancellationToken cancellationToken)
    {
        var socket = await endpoint.ConnectAsync(cancellationToken);
        return Start(socket, endpoint.Text, logger, probeInterval);
    }

    /// <summary>Runs a session over an already connected socket (used by tests with a scripted peer).</summary>
    public static JsonRpcConnection Start(Socket socket, string peer, ILogger logger, TimeSpan probeInterval)
    {
        var c = new JsonRpcConnection(socket, peer, logger, probeInterval);
        c._readLoop = Task.Run(c.ReadLoopAsync);
        if (probeInterval > TimeSpan.Zero) c._probeLoop = Task.Run(c.ProbeLoopAsync);
        return c;
    }

    /// <summary>
    /// Sends a request and returns its result. <paramref name="onResult"/>, if given, runs on
    /// the read loop before any later message is handled — for replies (like a monitor's
    /// initial state) that must be applied before the notifications that follow them.
    /// </summary>
    public async Task<JsonNode?> RequestAsync(string method, JsonArray @params, Action<JsonNode?>? onResult = null,
        CancellationToken cancellationToken = default)
    {
        if (!IsOpen) throw new OvsdbConnectionException($"connection to {Peer} is closed", _closed.Task.Result);
        var id = Interlocked.Increment(ref _nextId);
        var pending = new PendingRequest(method, onResult);
        _pending[id] = pending;
        if (!IsOpen && _pending.TryRemove(id, out _))
            throw new OvsdbConnectionException($"connection to {Peer} is closed", _closed.Task.Result);
        try
        {
            await SendAsync(new JsonObject { ["method"] = method, ["params"] = @params, ["id"] = id }, cancellationToken);
            using var reg = cancellationToken.Register(() =>
            {
                if (_pending.TryRemove(id, out var p)) p.Completion.TrySetCanceled(cancellationToken);
            });
            return await pending.Completion.Task;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task SendAsync(JsonObject message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var sent = 0;
            while (sent < bytes.Length)
                sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, _stop.Token);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Abort(new OvsdbConnectionException($"send to {Peer} failed: {ex.Message}", ex));
            throw new OvsdbConnectionException($"connection to {Peer} lost", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var splitter = new JsonFrameSplitter();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = await _socket.ReceiveAsync(splitter.GetBuffer(), SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    Abort(new OvsdbConnectionException($"{Peer} closed the connection"));
                    return;
                }
                Interlocked.Exchange(ref _lastReceiveTicks, Environment.TickCount64);
                splitter.Advance(n);
                while (splitter.TryReadMessage(out var frame))
                    await HandleAsync(JsonRpcMessage.Parse(frame));
            }
        }
        catch (OvsdbProtocolException ex)
        {
            _logger.LogWarning("Dropping OVSDB connection to {Peer}: {Error}", Peer, ex.Message);
            Abort(ex);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            Abort(new OvsdbConnectionException($"connection to {Peer} lost: {ex.Message}", ex));
        }
        catch (Exception ex)
        {
            // A bug in a handler must not kill the process; the session is reset instead.
            _logger.LogError(ex, "Unexpected error on OVSDB connection to {Peer}", Peer);
            Abort(new OvsdbConnectionException($"connection to {Peer} failed: {ex.Message}", ex));
        }
    }

    private async Task HandleAsync(JsonRpcMessage message)
    {
        switch (message.Kind)
        {
            case JsonRpcMessageKind.Request when message.Method == "echo":
                // RFC 7047 §4.1.11: reply with the same params.
                await SendAsync(new JsonObject { ["result"] = message.Params!.DeepClone(), ["error"] = null, ["id"] = message.Id!.DeepClone() },
                    CancellationToken.None);
                break;
            case JsonRpcMessageKind.Request:
                _logger.LogDebug("OVSDB server {Peer} sent unsupported request {Method}", Peer, message.Method);
                await SendAsync(new JsonObject { ["result"] = null, ["error"] = "unknown method", ["id"] = message.Id!.DeepClone() },
                    CancellationToken.None);
                break;
            case JsonRpcMessageKind.Notification:
                Notification?.Invoke(message.Method!, message.Params!);
                break;
            case JsonRpcMessageKind.Response:
                if (message.Id is not JsonValue idValue || idValue.GetValueKind() != JsonValueKind.Number
                    || !idValue.TryGetValue<long>(out var id))
                {
                    if (message.Id is JsonValue s && s.GetValueKind() == JsonValueKind.String && s.GetValue<string>() == "echo")
                        break; // reply to a probe sent with id "echo"
                    _logger.LogDebug("OVSDB {Peer}: response with unexpected id {Id}", Peer, message.Id?.ToJsonString());
                    break;
                }
                if (!_pending.TryRemove(id, out var pending))
                {
                    _logger.LogDebug("OVSDB {Peer}: response to unknown request {Id}", Peer, id);
                    break;
                }
                if (message.Error is not null)
                {
                    pending.Completion.TrySetException(new OvsdbRpcException(pending.Method, message.Error));
                    break;
                }
                // A malformed result is a protocol error of the whole session (thrown to the loop).
                try
                {
                    pending.OnResult?.Invoke(message.Result);
                }
                catch (Exception ex)
                {
                    var error = ex as OvsdbProtocolException
                        ?? new OvsdbProtocolException($"malformed {pending.Method} reply: {ex.Message}", ex);
                    pending.Completion.TrySetException(error);
                    throw error;
                }
                pending.Completion.TrySetResult(message.Result);
                break;
        }
    }

    private async Task ProbeLoopAsync()
    {
        var interval = (long)_probeInterval.TotalMilliseconds;
        long probeSent = 0; // when our outstanding echo was sent; 0 when none is outstanding
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(interval / 4, 10)), _stop.Token);
                var now = Environment.TickCount64;
                var lastReceive = Interlocked.Read(ref _lastReceiveTicks);
                if (probeSent != 0 && lastReceive >= probeSent) probeSent = 0; // something came back
                if (probeSent != 0 && now - probeSent >= interval)
                {
                    // Only a probe that was really sent and stayed unanswered for a whole
                    // interval condemns the peer (not a stall of our own timer).
                    _logger.LogWarning("OVSDB server {Peer} did not answer an echo within {Interval} ms; reconnecting", Peer, interval);
                    Abort(new OvsdbConnectionException($"{Peer} did not answer the inactivity probe"));
                    return;
                }
                if (probeSent == 0 && now - lastReceive >= interval)
                {
                    probeSent = now;
                    await SendAsync(new JsonObject { ["method"] = "echo", ["params"] = new JsonArray(), ["id"] = "echo" }, _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or OvsdbConnectionException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Ends the session: closes the socket and fails all outstanding requests.</summary>
    public void Abort(Exception reason)
    {
        if (!_closed.TrySetResult(reason)) return;
        _stop.Cancel();
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception) { }
        _socket.Dispose();
        foreach (var id in _pending.Keys)
            if (_pending.TryRemove(id, out var p))
                p.Completion.TrySetException(new OvsdbConnectionException($"connection to {Peer} lost: {reason.Message}", reason));
    }

    public async ValueTask DisposeAsync()
    {
        Abort(new OvsdbConnectionException($"connection to {Peer} closed by the client"));
        try { await Task.WhenAll(_readLoop, _probeLoop); } catch (Exception) { }
        _stop.Dispose();
    }

    private sealed class PendingRequest(string method, Action<JsonNode?>? onResult)
    {
        public string Method { get; } = method;
        public Action<JsonNode?>? OnResult { get; } = onResult;
        public TaskCompletionSource<JsonNode?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
