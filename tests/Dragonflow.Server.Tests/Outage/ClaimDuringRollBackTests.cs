using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.Server.Ipam;
using Dragonflow.Testing.NorthDb;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.Server.Tests;

/// <summary>
/// A claim refused at the instant a waiting roll-back gives that very value back (a network
/// deleted during an outage, its segment released once the NB DB answered again, and the same
/// network created again): the refusal is stale, so the claim is asked again once the
/// roll-backs ran, and the new request gets the value.
/// </summary>
public class ClaimDuringRollBackTests
{
    private const string Segment = "vxlan_777";

    [Fact]
    public async Task A_value_given_back_while_its_claim_was_refused_is_claimed()
    {
        using var scratch = new ScratchDirectory("df-claim-");
        var driver = new RefusalHookDriver(new SqliteNbDriver(scratch.File("nb.db")));
        var reservations = new Reservations(new NbApi(driver), NullLogger.Instance);
        Assert.True(await reservations.TryClaimAsync(Reservations.SegmentTable, Segment, "net-a", "net-a"));

        // The release of net-a's segment waits for the NB DB (its first try met the outage).
        var outage = true;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await reservations.Undo.RunAsync(async () =>
        {
            if (outage)
            {
                outage = false;
                throw new NbBackendUnavailableException("test", "away");
            }
            await release.Task;
            await reservations.DeleteIfOwnedAsync(Reservations.SegmentTable, Segment, "net-a");
        });
        Assert.Equal(1, reservations.Undo.Count);

        // net-b's claim is refused by the DB, and before the refusal reaches the caller the release runs to its end.
        driver.BeforeRefusal = async () =>
        {
            release.SetResult();
            await reservations.Undo.DrainedAsync(TimeSpan.FromSeconds(10));
        };
        Assert.True(await reservations.TryClaimAsync(Reservations.SegmentTable, Segment, "net-b", "net-b"));
        Assert.Equal([("vxlan_777", "net-b")], await reservations.OwnersAsync(Reservations.SegmentTable, "net-b"));
    }

    /// <summary>A real driver whose first refused create runs a hook before the refusal is thrown.</summary>
    private sealed class RefusalHookDriver(INbDriver inner) : INbDriver
    {
        public Func<Task>? BeforeRefusal { get; set; }

        public string Name => inner.Name;

        public async ValueTask<long> CreateAsync(string table, string id, string value, string? topic, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.CreateAsync(table, id, value, topic, cancellationToken);
            }
            catch (NbKeyExistsException) when (BeforeRefusal is { } hook)
            {
                BeforeRefusal = null;
                await hook();
                throw;
            }
        }

        public ValueTask<NbEntry?> GetAsync(string table, string id, CancellationToken cancellationToken = default) => inner.GetAsync(table, id, cancellationToken);

        public ValueTask<long> UpdateAsync(string table, string id, string value, string? topic, long expectedRevision, CancellationToken cancellationToken = default) =>
            inner.UpdateAsync(table, id, value, topic, expectedRevision, cancellationToken);

        public ValueTask<NbEntry> DeleteAsync(string table, string id, long? expectedRevision = null, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(table, id, expectedRevision, cancellationToken);

        public ValueTask<IReadOnlyList<NbEntry>> ListAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
            inner.ListAsync(table, topic, cancellationToken);

        public ValueTask<IReadOnlyList<string>> ListIdsAsync(string table, string? topic = null, CancellationToken cancellationToken = default) =>
            inner.ListIdsAsync(table, topic, cancellationToken);

        public ValueTask<long> AllocateUniqueKeyAsync(string table, CancellationToken cancellationToken = default) =>
            inner.AllocateUniqueKeyAsync(table, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
