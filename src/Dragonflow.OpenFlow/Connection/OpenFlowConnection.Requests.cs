using System.Buffers.Binary;
using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Connection;

/// <summary>Request/reply on top of the session: barrier, multipart, echo, pipelined flow batches and bundles.</summary>
public sealed partial class OpenFlowConnection
{
    private readonly List<Batch> _batches = [];
    private int _bundleId;

    /// <summary>A call awaiting the reply (or replies, for multipart) to one xid.</summary>
    private sealed class PendingRequest(OfpType request, long deadline)
    {
        private readonly List<byte[]> _parts = [];
        public readonly TaskCompletionSource<List<byte[]>> Completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public OfpType Request { get; } = request;
        public long Deadline { get; } = deadline;

        /// <summary>Takes one reply message; true when the request is complete.</summary>
        public bool Accept(ReadOnlySpan<byte> msg)
        {
            if ((OfpType)msg[1] == OfpType.MultipartReply)
            {
                var (_, flags, _) = MultipartHeader.Read(msg.ToArray());
                _parts.Add(msg.ToArray());
                if ((flags & MultipartHeader.FlagMore) != 0) return false;
            }
            else
            {
                _parts.Add(msg.ToArray());
            }
            Completion.TrySetResult(_parts);
            return true;
        }

        public void Fail(Exception e) => Completion.TrySetException(e);
    }

    /// <summary>A run of consecutive xids whose errors are collected instead of raised as events.</summary>
    private sealed class Batch
    {
        public uint First;
        public uint Last;
        public readonly List<(uint Xid, ErrorMessage Error)> Errors = [];
    }

    /// <summary>
    /// Sends a request and awaits its reply message(s) (all parts of a multipart reply). An
    /// OFPT_ERROR for the xid faults the task with <see cref="OpenFlowErrorException"/>.
    /// </summary>
    public async Task<List<byte[]>> RequestAsync<T>(T request, CancellationToken cancellationToken = default) where T : IOpenFlowMessage
    {
        var xid = NextXid();
        var deadline = Environment.TickCount64 + (long)_options.RequestTimeout.TotalMilliseconds;
        var pending = new PendingRequest(OfpType.Hello, deadline);
        _pending[xid] = pending;
        try
        {
            await SendAsync(request, xid, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _pending.TryRemove(xid, out _);
            pending.Fail(e);
        }
        using var reg = cancellationToken.Register(() =>
        {
            if (_pending.TryRemove(xid, out var p)) p.Fail(new OperationCanceledException(cancellationToken));
        });
        return await pending.Completion.Task.ConfigureAwait(false);
    }

    private void ExpireRequests(long now)
    {
        foreach (var kv in _pending)
        {
            if (kv.Value.Deadline < now && _pending.TryRemove(kv.Key, out var p))
                p.Fail(new TimeoutException($"no reply from {this} for xid {kv.Key} within {_options.RequestTimeout}"));
        }
    }

    /// <summary>BARRIER_REQUEST: completes when the switch has processed everything sent before.</summary>
    public Task BarrierAsync(CancellationToken cancellationToken = default) => RequestAsync(HeaderOnly.BarrierRequest, cancellationToken);

    /// <summary>ECHO round trip (also a liveness probe).</summary>
    public Task EchoAsync(CancellationToken cancellationToken = default) =>
        RequestAsync(new Echo(OfpType.EchoRequest, ReadOnlyMemory<byte>.Empty), cancellationToken);

    /// <summary>Sends a multipart request and returns the bodies of all reply parts, concatenated.</summary>
    public async Task<byte[]> MultipartAsync<T>(T request, CancellationToken cancellationToken = default) where T : IOpenFlowMessage
    {
        var parts = await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        var bodies = parts.Select(p => MultipartHeader.Read(p).Body).ToList();
        var all = new byte[bodies.Sum(b => b.Length)];
        var o = 0;
        foreach (var b in bodies)
        {
            b.Span.CopyTo(all.AsSpan(o));
            o += b.Length;
        }
        return all;
    }

    public async Task<List<FlowStats>> DumpFlowsAsync(FlowStatsRequest request, CancellationToken cancellationToken = default) =>
        FlowStats.ReadAll(await MultipartAsync(request, cancellationToken).ConfigureAwait(false));

    public Task<List<FlowStats>> DumpFlowsAsync(CancellationToken cancellationToken = default) =>
        DumpFlowsAsync(new FlowStatsRequest(), cancellationToken);

    public async Task<List<PortDescription>> GetPortsAsync(CancellationToken cancellationToken = default) =>
        PortDescriptions.ReadAll(await MultipartAsync(new MultipartRequest(MultipartType.PortDesc), cancellationToken).ConfigureAwait(false));

    public async Task<List<TableStats>> GetTableStatsAsync(CancellationToken cancellationToken = default) =>
        TableStats.ReadAll(await MultipartAsync(new MultipartRequest(MultipartType.Table), cancellationToken).ConfigureAwait(false));

    public async Task<SwitchConfig> GetConfigAsync(CancellationToken cancellationToken = default) =>
        SwitchConfig.Read((await RequestAsync(HeaderOnly.GetConfigRequest, cancellationToken).ConfigureAwait(false))[0]);

    /// <summary>
    /// Sends messages pipelined (one write per batch of bytes, no waiting in between), then one
    /// barrier. Throws <see cref="OpenFlowBatchException"/> if the switch rejected any of them.
    /// Returns how long the barrier reply took once the batch was written (the switch's share of the work).
    /// </summary>
    public async Task<TimeSpan> SendBatchAsync<T>(IReadOnlyList<T> messages, CancellationToken cancellationToken = default) where T : IOpenFlowMessage
    {
        var batch = new Batch();
        await SendTrackedAsync(messages, batch, cancellationToken).ConfigureAwait(false);
        var written = System.Diagnostics.Stopwatch.GetTimestamp();
        TimeSpan barrier;
        try
        {
            await BarrierAsync(cancellationToken).ConfigureAwait(false);
            barrier = System.Diagnostics.Stopwatch.GetElapsedTime(written);
        }
        finally
        {
            Untrack(batch);
        }
        if (batch.Errors.Count > 0)
            throw new OpenFlowBatchException(batch.Errors.Select(e => ((int)(e.Xid - batch.First), e.Error)).ToList());
        return barrier;
    }

    /// <summary>Sends one message and a barrier; an error for the message surfaces as <see cref="OpenFlowErrorException"/>.</summary>
    public async Task SendCheckedAsync<T>(T message, CancellationToken cancellationToken = default) where T : IOpenFlowMessage
    {
        try
        {
            await SendBatchAsync([message], cancellationToken).ConfigureAwait(false);
        }
        catch (OpenFlowBatchException e)
        {
            throw new OpenFlowErrorException(e.Failures[0].Error, 0, "request rejected");
        }
    }

    private async ValueTask<uint> SendTrackedAsync<T>(IReadOnlyList<T> messages, Batch? trackIn, CancellationToken ct) where T : IOpenFlowMessage
    {
        if (messages.Count == 0) return 0;
        var track = trackIn is not null;
        var batch = trackIn ?? new Batch();
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_closeStarted != 0) throw ClosedError();
            // A contiguous xid range, registered before the first byte leaves, so that every error
            // for these messages is attributed to this batch.
            var last = (uint)Interlocked.Add(ref _xid, messages.Count);
            batch.First = last - (uint)messages.Count + 1;
            batch.Last = last;
            if (track)
                lock (_batches) _batches.Add(batch);
            var pendingBytes = 0;
            for (var i = 0; i < messages.Count; i++)
            {
                var m = messages[i];
                pendingBytes += m.Size;
                Encode(m, batch.First + (uint)i);
                if (pendingBytes >= 256 * 1024)
                {
                    pendingBytes = 0;
                    if ((await _output.Writer.FlushAsync(ct).ConfigureAwait(false)).IsCompleted) throw ClosedError();
                }
            }
            if ((await _output.Writer.FlushAsync(ct).ConfigureAwait(false)).IsCompleted) throw ClosedError();
            return batch.First;
        }
        catch
        {
            Untrack(batch);
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void Untrack(Batch batch)
    {
        lock (_batches) _batches.Remove(batch);
    }

    private bool ClaimBatchError(ErrorMessage error, uint xid)
    {
        lock (_batches)
        {
            foreach (var b in _batches)
            {
                if (xid >= b.First && xid <= b.Last)
                {
                    b.Errors.Add((xid, error));
                    return true;
                }
            }
        }
        return false;
    }

    private void FailBatches(Exception e)
    {
        lock (_batches) _batches.Clear();
    }

    /// <summary>
    /// Applies flow changes atomically with an ONF bundle (OpenFlow 1.3 extension): open, add
    /// every message, barrier, commit. If the switch rejects any message the bundle is discarded
    /// and nothing changes; the failures are reported in <see cref="OpenFlowBatchException"/>.
    /// </summary>
    public async Task BundleAsync(IReadOnlyList<FlowMod> flowMods, BundleFlags flags = BundleFlags.Atomic | BundleFlags.Ordered, CancellationToken cancellationToken = default)
    {
        var id = (uint)Interlocked.Increment(ref _bundleId);
        await BundleControlAsync(new BundleControl(id, BundleControlType.OpenRequest, flags), BundleControlType.OpenReply, cancellationToken).ConfigureAwait(false);
        var adds = new BundleAdd<FlowMod>[flowMods.Count];
        for (var i = 0; i < adds.Length; i++)
            adds[i] = new BundleAdd<FlowMod>(id, flags, flowMods[i]);
        var batch = new Batch();
        try
        {
            await SendTrackedAsync(adds, batch, cancellationToken).ConfigureAwait(false);
            await BarrierAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Untrack(batch);
        }
        if (batch.Errors.Count > 0)
        {
            await BundleControlAsync(new BundleControl(id, BundleControlType.DiscardRequest, flags), BundleControlType.DiscardReply, cancellationToken).ConfigureAwait(false);
            throw new OpenFlowBatchException(batch.Errors.Select(e => ((int)(e.Xid - batch.First), e.Error)).ToList());
        }
        await BundleControlAsync(new BundleControl(id, BundleControlType.CommitRequest, flags), BundleControlType.CommitReply, cancellationToken).ConfigureAwait(false);
    }

    private async Task BundleControlAsync(BundleControl request, BundleControlType expected, CancellationToken ct)
    {
        var reply = (await RequestAsync(request, ct).ConfigureAwait(false))[0];
        if (!Bundle.TryGetExpType(reply, out var exp) || exp != Bundle.ControlExpType)
            throw new OpenFlowProtocolException($"bundle {request.Type}: unexpected reply type {(OfpType)reply[1]}");
        var r = BundleControl.Read(reply);
        if (r.Type != expected || r.BundleId != request.BundleId)
            throw new OpenFlowProtocolException($"bundle {request.Type}: got {r.Type} for bundle {r.BundleId}");
    }
}

/// <summary>Some messages of a pipelined batch or bundle were rejected; <see cref="Failures"/> has their index in the batch.</summary>
public sealed class OpenFlowBatchException(IReadOnlyList<(int Index, ErrorMessage Error)> failures)
    : Exception($"{failures.Count} message(s) rejected; first: #{failures[0].Index}: {failures[0].Error}")
{
    public IReadOnlyList<(int Index, ErrorMessage Error)> Failures { get; } = failures;
}
