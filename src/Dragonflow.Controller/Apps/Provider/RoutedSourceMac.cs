using System.Text;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.Provider;

/// <summary>
/// The source MAC of routed frames this chassis puts on a physical network. Every chassis routes
/// for its own VMs (the router is distributed), so with the router interface's MAC as source
/// the physical switches would see that MAC move between every chassis that routes into the
/// network. Instead each chassis sends them from a MAC of its own (as Neutron DVR's host MACs):
/// locally administered, derived from the chassis name (FNV-1a), the same after every restart
/// and on every chassis that computes it.
/// </summary>
public static class RoutedSourceMac
{
    /// <summary>02:df: the locally administered prefix of these MACs.</summary>
    private const ulong Prefix = 0x02df_0000_0000UL;

    private const uint FnvOffset = 2166136261;
    private const uint FnvPrime = 16777619;

    public static MacAddress Of(string chassis)
    {
        var hash = FnvOffset;
        foreach (var b in Encoding.UTF8.GetBytes(chassis))
        {
            hash ^= b;
            hash *= FnvPrime;
        }
        return new MacAddress(Prefix | hash);
    }
}
