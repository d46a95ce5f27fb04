using System.Text.Json;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Drivers;

namespace Dragonflow.Server.Ipam;

/// <summary>
/// Claims on scarce values (an IP in a subnet, a MAC on a network, a segmentation id, a port's
/// membership of a network) kept as NB keys created with create-if-absent semantics. The NB
/// database decides who wins, so several API server processes on one NB DB never hand out the
/// same value twice; no in-process lock is relied on. The topic indexes each claim by its
/// scope (subnet, network), so "what is taken here" is one indexed read, not a scan of ports.
/// </summary>
sealed class Reservations(NbApi nb, Microsoft.Extensions.Logging.ILogger log)
{
    public static readonly string IpTable = NbTables.IpClaim.Name;
    public static readonly string MacTable = NbTables.MacClaim.Name;
    public static readonly string SegmentTable = NbTables.SegmentClaim.Name;
    public static readonly string NetworkPortTable = NbTables.NetworkPortClaim.Name;

    INbDriver Driver => nb.Driver;

    /// <summary>
    /// True if this call took the value; false if someone holds it already. A value held while
    /// roll-backs of an outage still wait is asked again once they ran: the holder may be a
    /// request that failed, so a retry of that request gets its value back.
    /// </summary>
    public async Task<bool> TryClaimAsync(string table, string id, string? scope, string owner)
    {
        var value = JsonSerializer.Serialize(new Dictionary<string, string> { ["owner"] = owner });
        // Whether roll-backs waited when this claim was asked, not when it was refused: one that
        // gives this very value back may finish in between, and then the refusal is stale.
        var undosPending = Undo.Count > 0;
        try
        {
            await Driver.CreateAsync(table, id, value, scope);
            return true;
        }
        catch (NbKeyExistsException) when (undosPending || Undo.Count > 0)
        {
        }
        catch (NbKeyExistsException)
        {
            return false;
        }
        if (!await Undo.DrainedAsync(PendingUndo.DrainTimeout))
            return false;
        try
        {
            await Driver.CreateAsync(table, id, value, scope);
            return true;
        }
        catch (NbKeyExistsException)
        {
            return false;
        }
    }

    /// <summary>Removes a key that only its owner can hold (a port's own rows), now or once the NB DB is back.</summary>
    public Task ReleaseAsync(string table, string id) => Undo.RunAsync(() => DeleteIfPresentAsync(table, id));

    /// <summary>
    /// Gives back a claim if <paramref name="owner"/> still holds it, now or once the NB DB is back.
    /// A release may run twice (retried after an outage, or by both a request and its roll-back);
    /// the owner check keeps the second from taking away the value from whoever claimed it in between.
    /// </summary>
    public Task ReleaseAsync(string table, string id, string owner) => Undo.RunAsync(() => DeleteIfOwnedAsync(table, id, owner));

    /// <summary>Releases and roll-backs that wait for the NB database when it is away.</summary>
    public PendingUndo Undo { get; } = new(log);

    /// <summary>
    /// Gives back every claim of <paramref name="owner"/> in a scope: after a claim whose answer was
    /// lost to an outage, the claim may exist without the caller knowing its key.
    /// </summary>
    public async Task ReleaseOwnedAsync(string table, string scope, string owner)
    {
        foreach (var entry in await Driver.ListAsync(table, scope))
            if (OwnerOf(entry.Value) == owner)
                await DeleteAtAsync(entry);
    }

    /// <summary>Deletes the claim if <paramref name="owner"/> holds it (compare-and-swap on the claim read).</summary>
    public async Task DeleteIfOwnedAsync(string table, string id, string owner)
    {
        if (await Driver.GetAsync(table, id) is { } entry && OwnerOf(entry.Value) == owner)
            await DeleteAtAsync(entry);
    }

    async Task DeleteAtAsync(NbEntry entry)
    {
        try
        {
            await Driver.DeleteAsync(entry.Table, entry.Id, entry.Revision);
        }
        catch (Exception e) when (e is NbKeyNotFoundException or NbVersionConflictException)
        {
            // Released meanwhile, and maybe taken again by someone else: not ours to delete now.
        }
    }

    public async Task DeleteIfPresentAsync(string table, string id)
    {
        try
        {
            await Driver.DeleteAsync(table, id);
        }
        catch (NbKeyNotFoundException)
        {
            // Already gone: the goal is reached either way.
        }
    }

    public async Task<IReadOnlyList<string>> ClaimedAsync(string table, string scope) => await Driver.ListIdsAsync(table, scope);

    /// <summary>The owner of every claim in a scope.</summary>
    public async Task<IReadOnlyList<(string Id, string Owner)>> OwnersAsync(string table, string scope)
    {
        var entries = await Driver.ListAsync(table, scope);
        return entries.Select(e => (e.Id, OwnerOf(e.Value))).ToList();
    }

    static string OwnerOf(string value)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(value)?.GetValueOrDefault("owner") ?? "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    public static string IpKey(string subnetId, string ip) => $"{subnetId}_{ip}";

    public static string MacKey(string networkId, string mac) => $"{networkId}_{mac}";
}
