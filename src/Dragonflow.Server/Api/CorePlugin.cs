using Dragonflow.NorthDb;
using Dragonflow.Server.Hosting;
using Dragonflow.Server.Ipam;

namespace Dragonflow.Server.Api;

/// <summary>What every resource's handlers share: the NB API, the allocators and the options.</summary>
sealed class CorePlugin
{
    public CorePlugin(NbApi nb, ServerOptions options, Microsoft.Extensions.Logging.ILogger? log = null)
    {
        Nb = nb;
        Options = options;
        Log = log ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        Reservations = new Reservations(nb, Log);
        Addresses = new AddressAllocator(Reservations);
        Macs = new MacAllocator(Reservations);
        Segments = new SegmentAllocator(Reservations, nb, new VlanRanges(options.NetworkVlanRanges));
        PortDevices = new PortDeviceIndex(nb, Reservations);
        PoolClaims = new SubnetPoolClaims(nb);
        Quotas = new Quotas.QuotaBook(nb, options.QuotaDefaults);
    }

    public Quotas.QuotaBook Quotas { get; }

    public PortDeviceIndex PortDevices { get; }

    /// <summary>Where the resource handlers log their writes, with the ids involved as structured properties.</summary>
    public Microsoft.Extensions.Logging.ILogger Log { get; }

    public NbApi Nb { get; }
    public ServerOptions Options { get; }
    public Reservations Reservations { get; }
    public AddressAllocator Addresses { get; }
    public SubnetPoolClaims PoolClaims { get; }
    public MacAllocator Macs { get; }
    public SegmentAllocator Segments { get; }

    /// <summary>
    /// Deletes an object a failed create may have written (a write whose answer was lost may have
    /// landed), now or, when the NB database is away, once it is back.
    /// </summary>
    public Task UndoCreateAsync<T>(string id) where T : Dragonflow.Model.NbObject, new() => Reservations.Undo.RunAsync(async () =>
    {
        try
        {
            await Nb.DeleteAsync<T>(id);
        }
        catch (NbKeyNotFoundException)
        {
            // Never written, or already undone.
        }
    });

    /// <summary>
    /// Deletes an object, then runs <paramref name="followUp"/> (give back its claims, unlink it),
    /// which must tolerate running twice. If the NB database goes away meanwhile, the follow-up
    /// waits for it: after a delete whose answer was lost, it runs once the database is back and
    /// shows the object gone, so a delete that landed unanswered leaks nothing.
    /// </summary>
    public async Task DeleteThenAsync<T>(string id, long? expectedVersion, Func<Task> followUp) where T : Dragonflow.Model.NbObject, new()
    {
        try
        {
            await Nb.DeleteAsync<T>(id, expectedVersion);
        }
        catch (NbBackendUnavailableException)
        {
            await Reservations.Undo.RunAsync(async () =>
            {
                if (await Nb.TryGetAsync<T>(id) is null)
                    await followUp();
            });
            throw;
        }
        await Reservations.Undo.RunAsync(followUp);
    }

    /// <summary>Updates a port through a mutation and keeps the device index in step.</summary>
    public async Task<Dragonflow.Model.LogicalPort> UpdatePortAsync(string id, Action<Dragonflow.Model.LogicalPort> mutate)
    {
        var port = await Nb.UpdateAsync(id, mutate);
        await PortDevices.SetAsync(port);
        return port;
    }
}
