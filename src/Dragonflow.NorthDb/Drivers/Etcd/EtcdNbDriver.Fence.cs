using Etcdserverpb;
using Google.Protobuf;

namespace Dragonflow.NorthDb.Drivers.Etcd;

/// <summary>
/// The fence that keeps a write whose answer was lost from landing later. When a call fails
/// (deadline passed, connection lost), a txn it sent may still be in etcd's raft pipeline and be
/// applied after the caller has read the database to undo it — a roll-back would then miss a
/// claim that appears a moment later, and the claim would stay for good. So every write txn of
/// this driver also compares the mod_revision of this driver's own fence key, and after a failed
/// call the next operation first moves the fence (one put) before it goes on. etcd applies txns
/// in one order: a write still in flight is either applied before the fence moved — and the
/// operations after it see it — or its compare fails and it is never applied.
/// </summary>
public sealed partial class EtcdNbDriver
{
    /// <summary>One key per driver instance; the dot-name is no table, so watches skip it.</summary>
    private readonly ByteString _fenceKey = EtcdKeys.Bytes($"{Dragonflow.Model.NbKey.Root}.fence/{Guid.NewGuid():N}");
    private readonly SemaphoreSlim _fencing = new(1, 1);
    private long _fence; // mod_revision of the fence key; 0 while it does not exist
    private int _fenceNeeded;

    /// <summary>A call failed and what it sent may still be applied: the next operation moves the fence first.</summary>
    private void FenceAfterFailure() => Volatile.Write(ref _fenceNeeded, 1);

    /// <summary>Moves the fence if a call failed since it last moved; operations begin here.</summary>
    private async Task PassFenceAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _fenceNeeded) == 0)
        {
            return;
        }
        await _fencing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Interlocked.Exchange(ref _fenceNeeded, 0) == 0)
            {
                return; // another operation moved it meanwhile
            }
            try
            {
                var put = await Kv.PutAsync(new PutRequest { Key = _fenceKey, Value = ByteString.Empty }, Options(ct));
                Volatile.Write(ref _fence, put.Header.Revision);
            }
            catch
            {
                FenceAfterFailure();
                throw;
            }
        }
        finally
        {
            _fencing.Release();
        }
    }

    /// <summary>
    /// Sends a write txn behind the fence. A txn that failed only because the fence moved while
    /// it was under way was not applied, and goes again behind the new fence; one that failed on
    /// its own compares is returned as it is.
    /// </summary>
    private async Task<TxnResponse> WriteAsync(TxnRequest txn, CancellationToken ct)
    {
        var fence = Volatile.Read(ref _fence);
        var atFence = new Compare { Key = _fenceKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = fence };
        txn.Compare.Add(atFence);
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = _fenceKey } });
        while (true)
        {
            var r = await Kv.TxnAsync(txn, Options(ct));
            if (r.Succeeded)
            {
                return r;
            }
            var now = r.Responses[^1].ResponseRange.Kvs is [var kv, ..] ? kv.ModRevision : 0;
            if (now == atFence.ModRevision)
            {
                return r;
            }
            atFence.ModRevision = now;
        }
    }

    /// <summary>Removes the fence key, if it was ever written; a key left by a crash is a few bytes.</summary>
    private void RemoveFence()
    {
        if (Volatile.Read(ref _fence) == 0)
        {
            return;
        }
        try
        {
            Kv.DeleteRange(new DeleteRangeRequest { Key = _fenceKey }, deadline: DateTime.UtcNow + TimeSpan.FromSeconds(1));
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException)
        {
            // The database is away (a passed deadline may also surface as the HTTP/2 client's own
            // cancellation): the key stays, harmless. Dispose never throws for it.
        }
    }
}
