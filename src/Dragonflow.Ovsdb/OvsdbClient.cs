using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Ovsdb.Data;
using Dragonflow.Ovsdb.Monitoring;
using Dragonflow.Ovsdb.Rpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.Ovsdb;

/// <summary>
/// An OVSDB client (RFC 7047) that stays connected: it connects in the background, and when
/// the session dies (server restart, socket error, malformed input, failed echo probe) it
/// reconnects with exponential backoff and re-establishes every monitor, whose consumers then
/// receive a resync. Requests issued while disconnected wait for the next session; a request
/// in flight when the session dies fails with <see cref="OvsdbConnectionException"/> (a
/// transaction is never silently replayed).
/// </summary>
public sealed class OvsdbClient : IAsyncDisposable
{
    private readonly OvsdbClientOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sessionLock = new(1, 1);
    private readonly List<OvsdbMonitor> _monitors = new();
    private readonly Dictionary<string, DatabaseSchema> _schemas = new();
    private TaskCompletionSource<JsonRpcConnection> _session = NewSessionSource();
    private JsonRpcConnection? _connection;
    private Task _loop = Task.CompletedTask;
    private int _nextMonitorId;
    private int _started;

    public OvsdbClient(string endpoint, OvsdbClientOptions? options = null, ILogger? logger = null)
    {
        Endpoint = OvsdbEndpoint.Parse(endpoint);
        _options = options ?? new OvsdbClientOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    public OvsdbEndpoint Endpoint { get; }

    public bool IsConnected => _connection?.IsOpen == true;

    /// <summary>How many sessions were established so far (1 after the first connect).</summary>
    public int SessionCount { get; private set; }

    /// <summary>Raised (on a background thread) after a session is up and monitors are re-established.</summary>
    public event Action? Connected;

    /// <summary>Raised (on a background thread) when a session ends, with the reason.</summary>
    public event Action<Exception>? Disconnected;

    /// <summary>Creates a client, starts it and waits for the first session.</summary>
    public static async Task<OvsdbClient> ConnectAsync(string endpoint, OvsdbClientOptions? options = null,
        ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var client = new OvsdbClient(endpoint, options, logger);
        client.Start();
        try
        {
            await client.WaitConnectedAsync(cancellationToken);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
        return client;
    }

    /// <summary>Starts connecting in the background (idempotent).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0) _loop = Task.Run(RunAsync);
    }

    public async Task WaitConnectedAsync(CancellationToken cancellationToken = default) =>
        await CurrentSessionAsync(cancellationToken);

    // ---- RFC 7047 methods -----------------------------------------------------------------

    /// <summary>§4.1.1 list_dbs.</summary>
    public async Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken cancellationToken = default)
    {
        return await RequestAsync("list_dbs", new JsonArray(), result =>
            result is JsonArray a && a.All(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                ? a.Select(n => n!.GetValue<string>()).ToArray()
                : throw new OvsdbProtocolException("list_dbs result is not an array of strings"), cancellationToken);
    }

    /// <summary>§4.1.2 get_schema (cached per database after the first call).</summary>
    public async Task<DatabaseSchema> GetSchemaAsync(string database, CancellationToken cancellationToken = default)
    {
        lock (_schemas)
            if (_schemas.TryGetValue(database, out var cached)) return cached;
        var schema = await RequestAsync("get_schema", new JsonArray(database), DatabaseSchema.FromJson, cancellationToken);
        lock (_schemas) _schemas[database] = schema;
        return schema;
    }

    public Task<IReadOnlyList<OperationResult>> TransactAsync(string database, params Operation[] operations) =>
        TransactAsync(database, operations, CancellationToken.None);

    /// <summary>
    /// §4.1.3 transact: runs the operations atomically and returns one result per operation.
    /// </summary>
    /// <exception cref="OvsdbTransactionException">An operation or the commit failed; nothing was applied.</exception>
    public async Task<IReadOnlyList<OperationResult>> TransactAsync(string database, IReadOnlyList<Operation> operations,
        CancellationToken cancellationToken = default)
    {
        var @params = new JsonArray(database);
        foreach (var op in operations) @params.Add(op.Json.DeepClone());
        var outcome = await RequestAsync("transact", @params, r => ParseTransactResult(r, operations), cancellationToken);
        return outcome.Error is { } error ? throw error : outcome.Results!;
    }

    private static (IReadOnlyList<OperationResult>? Results, OvsdbTransactionException? Error) ParseTransactResult(
        JsonNode? result, IReadOnlyList<Operation> operations)
    {
        if (result is not JsonArray results) throw new OvsdbProtocolException("transact result is not an array");
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i] is JsonObject o && o["error"] is { } error)
            {
                var details = o["details"] is JsonValue d && d.GetValueKind() == JsonValueKind.String ? d.GetValue<string>() : o["details"]?.ToJsonString();
                var errorText = error is JsonValue ev && ev.GetValueKind() == JsonValueKind.String ? ev.GetValue<string>() : error.ToJsonString();
                return (null, new OvsdbTransactionException(i, i < operations.Count ? operations[i].Op : null, errorText, details));
            }
        }
        if (results.Count < operations.Count) throw new OvsdbProtocolException("transact returned fewer results than operations");
        return (results.Take(operations.Count).Select(r => r is JsonObject o ? OperationResult.FromJson(o)
            : throw new OvsdbProtocolException("transact result element is not an object")).ToArray(), null);
    }

    /// <summary>§4.1.11 echo, as a liveness check.</summary>
    public async Task EchoAsync(CancellationToken cancellationToken = default) =>
        await RequestAsync("echo", new JsonArray("ping"), r => r, cancellationToken);

    /// <summary>
    /// Starts a monitor (monitor_cond when <paramref name="conditional"/>, else RFC 7047
    /// monitor) and waits for its initial state. It is re-established after every reconnect
    /// until disposed.
    /// </summary>
    public async Task<OvsdbMonitor> MonitorAsync(string database, IReadOnlyList<MonitorRequest> requests,
        bool conditional = true, CancellationToken cancellationToken = default)
    {
        var schema = await GetSchemaAsync(database, cancellationToken);
        var monitor = new OvsdbMonitor(this, _logger, database, $"m{Interlocked.Increment(ref _nextMonitorId)}",
            requests, conditional, schema);
        await _sessionLock.WaitAsync(cancellationToken);
        try
        {
            lock (_monitors) _monitors.Add(monitor);
            if (_connection is { IsOpen: true } c)
            {
                try
                {
                    await SubscribeAsync(c, monitor, cancellationToken);
                }
                catch (OvsdbRpcException)
                {
                    lock (_monitors) _monitors.Remove(monitor);
                    throw;
                }
                catch (OvsdbConnectionException)
                {
                    // The session died meanwhile; the next one subscribes this monitor.
                }
            }
        }
        finally
        {
            _sessionLock.Release();
        }
        await monitor.Ready.WaitAsync(cancellationToken);
        return monitor;
    }

    internal async Task RemoveMonitorAsync(OvsdbMonitor monitor)
    {
        await _sessionLock.WaitAsync();
        try
        {
            lock (_monitors)
                if (!_monitors.Remove(monitor)) return;
            if (_connection is { IsOpen: true } c)
            {
                try
                {
                    await c.RequestAsync("monitor_cancel", new JsonArray(monitor.Id)).WaitAsync(TimeSpan.FromSeconds(5));
                }
                catch (Exception ex) when (ex is OvsdbException or TimeoutException)
                {
                    _logger.LogDebug("monitor_cancel {Id} failed: {Error}", monitor.Id, ex.Message);
                }
            }
        }
        finally
        {
            _sessionLock.Release();
        }
    }

    private static Task SubscribeAsync(JsonRpcConnection connection, OvsdbMonitor monitor, CancellationToken cancellationToken) =>
        connection.RequestAsync(monitor.Method, monitor.BuildParams(), monitor.ApplyInitial, cancellationToken);

    /// <summary>Sends a request on the current session. <paramref name="parse"/> runs on the read
    /// loop, so a reply of the wrong shape resets the session like any malformed input.</summary>
    private async Task<T> RequestAsync<T>(string method, JsonArray @params, Func<JsonNode?, T> parse, CancellationToken cancellationToken)
    {
        var connection = await CurrentSessionAsync(cancellationToken);
        T value = default!;
        await connection.RequestAsync(method, @params, r => value = parse(r), cancellationToken);
        return value;
    }

    private async Task<JsonRpcConnection> CurrentSessionAsync(CancellationToken cancellationToken)
    {
        if (_started == 0) Start();
        while (true)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            TaskCompletionSource<JsonRpcConnection> session;
            lock (_stop) session = _session;
            var connection = await session.Task.WaitAsync(cancellationToken);
            if (connection.IsOpen) return connection;
            // The session just died; the loop is about to replace it with a pending one.
            await Task.Delay(10, cancellationToken);
        }
    }

    // ---- session loop ---------------------------------------------------------------------

    private async Task RunAsync()
    {
        var delay = _options.MinReconnectDelay;
        while (!_stop.IsCancellationRequested)
        {
            JsonRpcConnection? connection = null;
            try
            {
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    timeout.CancelAfter(_options.ConnectTimeout);
                    connection = await JsonRpcConnection.ConnectAsync(Endpoint, _logger, _options.ProbeInterval, timeout.Token);
                    connection.Notification = OnNotification;

                    await _sessionLock.WaitAsync(_stop.Token);
                    try
                    {
                        OvsdbMonitor[] monitors;
                        lock (_monitors) monitors = _monitors.ToArray();
                        foreach (var monitor in monitors)
                            await SubscribeAsync(connection, monitor, timeout.Token);
                        _connection = connection;
                        SessionCount++;
                        lock (_stop) _session.TrySetResult(connection);
                    }
                    finally
                    {
                        _sessionLock.Release();
                    }
                }
                _logger.LogInformation("Connected to OVSDB {Endpoint}", Endpoint);
                delay = _options.MinReconnectDelay;
                Raise(Connected);

                var reason = await connection.Closed;
                lock (_stop)
                {
                    if (_session.Task.IsCompleted) _session = NewSessionSource();
                }
                _connection = null;
                if (_stop.IsCancellationRequested) break;
                _logger.LogWarning("OVSDB connection to {Endpoint} lost: {Reason}", Endpoint, reason.Message);
                try { Disconnected?.Invoke(reason); } catch (Exception ex) { _logger.LogError(ex, "Disconnected handler failed"); }
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                _logger.LogDebug("Connecting to OVSDB {Endpoint} failed: {Error}", Endpoint, ex.Message);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            finally
            {
                if (connection is not null && !ReferenceEquals(connection, _connection)) await connection.DisposeAsync();
            }

            try
            {
                await Task.Delay(delay, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    private void Raise(Action? handler)
    {
        try { handler?.Invoke(); } catch (Exception ex) { _logger.LogError(ex, "OVSDB event handler failed"); }
    }

    /// <summary>Routes update/update2 notifications to their monitor (on the read loop).</summary>
    private void OnNotification(string method, JsonArray @params)
    {
        if (method is not ("update" or "update2")) return;
        if (@params.Count < 2 || @params[0] is not JsonValue idValue || idValue.GetValueKind() != JsonValueKind.String)
            throw new OvsdbProtocolException($"{method} notification with bad params");
        var id = idValue.GetValue<string>();
        OvsdbMonitor? monitor;
        lock (_monitors) monitor = _monitors.FirstOrDefault(m => m.Id == id);
        monitor?.ApplyNotification(@params[1]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        var c = _connection;
        if (c is not null) await c.DisposeAsync();
        try { await _loop; } catch (Exception) { }
        lock (_stop) _session.TrySetException(new ObjectDisposedException(nameof(OvsdbClient)));
        lock (_monitors)
            foreach (var m in _monitors) m.Complete();
    }

    private static TaskCompletionSource<JsonRpcConnection> NewSessionSource() =>
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}
