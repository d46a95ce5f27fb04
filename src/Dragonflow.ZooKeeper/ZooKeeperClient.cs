using Dragonflow.ZooKeeper.Jute;
using Dragonflow.ZooKeeper.Protocol;

namespace Dragonflow.ZooKeeper;

/// <summary>A node's data and metadata, as getData returns them.</summary>
public sealed record ZNodeData(byte[] Data, ZNodeStat Stat);

/// <summary>A node's child names (unordered) and its metadata, as getChildren2 returns them.</summary>
public sealed record ZNodeChildren(IReadOnlyList<string> Children, ZNodeStat Stat);

/// <summary>
/// A ZooKeeper client speaking the jute protocol over TCP (ZooKeeper 3.5+). Safe for concurrent
/// use; requests are pipelined on one connection. Reads that lose their connection, and writes
/// that were never sent, are retried on the next one within
/// <see cref="ZooKeeperClientOptions.OperationTimeout"/>; writes in flight are not, since they
/// may have been applied (<see cref="ZooKeeperConnectionLossException"/>).
/// </summary>
public sealed partial class ZooKeeperClient : IDisposable, IAsyncDisposable
{
    private readonly ZooKeeperClientOptions _options;
    private int _disposed;

    /// <summary>Starts connecting in the background; requests wait for the session.</summary>
    public ZooKeeperClient(ZooKeeperClientOptions options)
    {
        if (options.Hosts.Count == 0)
        {
            throw new ArgumentException("no ZooKeeper hosts given", nameof(options));
        }
        _options = options;
        _hosts = options.Hosts.Select(ParseHost).ToArray();
        _sessionLoop = Task.Run(RunSessionAsync);
        _eventLoop = Task.Run(DispatchEventsAsync);
    }

    /// <summary>A client whose session is established, or connection loss after the operation timeout.</summary>
    public static async Task<ZooKeeperClient> ConnectAsync(ZooKeeperClientOptions options, CancellationToken cancellationToken = default)
    {
        var client = new ZooKeeperClient(options);
        try
        {
            await client.WaitConnectedAsync(options.OperationTimeout, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>create2: a node with world:anyone ACL. Returns the actual path (sequential nodes get a suffix) and its Stat.</summary>
    public async Task<(string Path, ZNodeStat Stat)> CreateAsync(string path, ReadOnlyMemory<byte> data, CreateMode mode = CreateMode.Persistent, CancellationToken cancellationToken = default)
    {
        var type = mode == CreateMode.Container ? OpCode.CreateContainer : OpCode.Create2;
        var reply = await CallAsync(type, w => Requests.WriteCreate(w, path, data.Span, mode), path, false, cancellationToken).ConfigureAwait(false);
        return Parse(reply, (ref JuteReader r) => (r.ReadString() ?? path, ZNodeStat.Read(ref r)));
    }

    /// <summary>Deletes a node if its version is <paramref name="version"/> (-1: any).</summary>
    public async Task DeleteAsync(string path, int version = -1, CancellationToken cancellationToken = default)
    {
        await CallAsync(OpCode.Delete, w =>
        {
            w.WriteString(path);
            w.WriteInt(version);
        }, path, false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The node's Stat, or null if it does not exist. With <paramref name="watch"/> the next create, delete or data change fires.</summary>
    public async Task<ZNodeStat?> ExistsAsync(string path, bool watch = false, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await CallAsync(OpCode.Exists, w => Requests.WritePathWatch(w, path, watch), path, true, cancellationToken).ConfigureAwait(false);
            if (watch)
            {
                _watches.AddData(path);
            }
            return Parse(reply, (ref JuteReader r) => ZNodeStat.Read(ref r));
        }
        catch (ZooKeeperNoNodeException)
        {
            if (watch)
            {
                _watches.AddExist(path);
            }
            return null;
        }
    }

    /// <summary>The node's data and Stat; <see cref="ZooKeeperNoNodeException"/> if it does not exist.</summary>
    public async Task<ZNodeData> GetDataAsync(string path, bool watch = false, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(OpCode.GetData, w => Requests.WritePathWatch(w, path, watch), path, true, cancellationToken).ConfigureAwait(false);
        if (watch)
        {
            _watches.AddData(path);
        }
        return Parse(reply, (ref JuteReader r) => new ZNodeData(r.ReadBuffer() ?? [], ZNodeStat.Read(ref r)));
    }

    /// <summary>Replaces the data if the version is <paramref name="version"/> (-1: any); <see cref="ZooKeeperBadVersionException"/> otherwise.</summary>
    public async Task<ZNodeStat> SetDataAsync(string path, ReadOnlyMemory<byte> data, int version = -1, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(OpCode.SetData, w =>
        {
            w.WriteString(path);
            w.WriteBuffer(data.Span);
            w.WriteInt(version);
        }, path, false, cancellationToken).ConfigureAwait(false);
        return Parse(reply, (ref JuteReader r) => ZNodeStat.Read(ref r));
    }

    /// <summary>getChildren2: child names and the parent's Stat. With <paramref name="watch"/> the next child change fires.</summary>
    public async Task<ZNodeChildren> GetChildrenAsync(string path, bool watch = false, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(OpCode.GetChildren2, w => Requests.WritePathWatch(w, path, watch), path, true, cancellationToken).ConfigureAwait(false);
        if (watch)
        {
            _watches.AddChild(path);
        }
        return Parse(reply, (ref JuteReader r) => new ZNodeChildren(r.ReadStringVector(), ZNodeStat.Read(ref r)));
    }

    /// <summary>
    /// Applies all <paramref name="ops"/> in one transaction or none; on failure throws
    /// <see cref="ZooKeeperTransactionException"/> naming the first failed op.
    /// </summary>
    public async Task<IReadOnlyList<ZooKeeperOpResult>> MultiAsync(IReadOnlyList<ZooKeeperOp> ops, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(OpCode.Multi, w =>
        {
            foreach (var op in ops)
            {
                WriteMultiHeader(w, (int)op.Type, done: false);
                op.WriteBody(w);
            }
            WriteMultiHeader(w, -1, done: true);
        }, null, false, cancellationToken, multi: true).ConfigureAwait(false);
        var results = MultiResponse.Read(reply.Body);
        if (results.Count != ops.Count)
        {
            throw new ZooKeeperProtocolException($"multi of {ops.Count} ops answered with {results.Count} results");
        }
        for (var i = 0; i < results.Count; i++)
        {
            // Ops after the failing one report RUNTIMEINCONSISTENCY; the first real error names the cause.
            if (results[i].Error is not ZooKeeperErrorCode.Ok and not ZooKeeperErrorCode.RuntimeInconsistency)
            {
                throw new ZooKeeperTransactionException(results[i].Error, i, results, ops[i].Path);
            }
        }
        if (reply.Error != ZooKeeperErrorCode.Ok)
        {
            throw new ZooKeeperTransactionException(reply.Error, results.Count, results, null);
        }
        return results;
    }

    private static void WriteMultiHeader(JuteWriter w, int type, bool done)
    {
        // MultiHeader: type, done, err (-1 in requests).
        w.WriteInt(type);
        w.WriteBool(done);
        w.WriteInt(-1);
    }

    private delegate T RecordReader<T>(ref JuteReader r);

    private static T Parse<T>(Reply reply, RecordReader<T> read)
    {
        var r = new JuteReader(reply.Body);
        return read(ref r);
    }

    private async Task<Reply> CallAsync(OpCode type, Action<JuteWriter> body, string? path, bool idempotent, CancellationToken cancellationToken, bool multi = false)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        deadline.CancelAfter(_options.OperationTimeout);
        var sent = false;
        while (true)
        {
            try
            {
                var connection = await Volatile.Read(ref _connected).Task.WaitAsync(deadline.Token).ConfigureAwait(false);
                sent = true;
                var reply = await connection.SendAsync(type, body, deadline.Token).ConfigureAwait(false);
                if (reply.Error != ZooKeeperErrorCode.Ok && !(multi && reply.Body.Length > 0))
                {
                    throw ZooKeeperException.For(reply.Error, path);
                }
                return reply;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                ObjectDisposedException.ThrowIf(_disposed != 0, this);
                throw sent
                    ? new ZooKeeperException(ZooKeeperErrorCode.OperationTimeout, path, $"no reply within {_options.OperationTimeout.TotalMilliseconds:0} ms")
                    : NotConnected(_options.OperationTimeout);
            }
            catch (ZooKeeperConnectionLossException e) when ((idempotent || e.NotSent) && !deadline.IsCancellationRequested)
            {
                sent = false;
                await Pause(TimeSpan.FromMilliseconds(20), deadline.Token).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (Current is { IsClosed: false } connection)
        {
            // closeSession ends the session now instead of at its timeout.
            try
            {
                await connection.SendAsync(OpCode.CloseSession, null, CancellationToken.None)
                    .WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ZooKeeperException or TimeoutException)
            {
            }
        }
        _closing.Cancel();
        DropConnection();
        await _sessionLoop.ConfigureAwait(false);
        _events.Writer.TryComplete();
        await _eventLoop.ConfigureAwait(false);
        _closing.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
