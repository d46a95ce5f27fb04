using Dragonflow.NorthDb;
using Dragonflow.Server.Hosting;
using Dragonflow.Server.Ipam;

namespace Dragonflow.Server.Api;

/// <summary>What every resource's handlers share: the NB API, the allocators and the options.</summary>
sealed class CorePlugin
{
    public CorePlugin(NbApi nb, ServerOptions options)
    {
        Nb = nb;
        Options = options;
        Reservations = new Reservations(nb);
        Addresses = new AddressAllocator(Reservations);
        Macs = new MacAllocator(Reservations);
        Segments = new SegmentAllocator(Reservations, nb);
    }

    public NbApi Nb { get; }
    public ServerOptions Options { get; }
    public Reservations Reservations { get; }
    public AddressAllocator Addresses { get; }
    public MacAllocator Macs { get; }
    public SegmentAllocator Segments { get; }
}
