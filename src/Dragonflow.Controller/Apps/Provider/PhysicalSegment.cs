using Dragonflow.Model;

namespace Dragonflow.Controller.Apps.Provider;

/// <summary>
/// A network's place on a physical network: flat (untagged) or a VLAN id, on the physical
/// network named by provider:physical_network. Tunnelled networks have none.
/// </summary>
public sealed record PhysicalSegment(string PhysicalNetwork, ushort? VlanId)
{
    public const string Flat = "flat";
    public const string Vlan = "vlan";

    /// <summary>OFPVID_PRESENT: the bit of an OpenFlow vlan_vid that says a tag is there.</summary>
    public const ushort VidPresent = 0x1000;

    /// <summary>OFPVID_NONE: vlan_vid of an untagged frame.</summary>
    public const ushort VidNone = 0;

    private const int MaxVlanId = 4094;

    /// <summary>True for the network types carried by a physical network rather than by the tunnels.</summary>
    public static bool IsPhysical(LogicalSwitch network) => network.NetworkType is Flat or Vlan;

    /// <summary>The segment of <paramref name="network"/>; null for a tunnelled network or a provider network without a valid physical network or VLAN id.</summary>
    public static PhysicalSegment? Of(LogicalSwitch network)
    {
        if (string.IsNullOrEmpty(network.PhysicalNetwork)) return null;
        return network.NetworkType switch
        {
            Flat => new PhysicalSegment(network.PhysicalNetwork, null),
            Vlan when network.SegmentationId is >= 1 and <= MaxVlanId => new PhysicalSegment(network.PhysicalNetwork, (ushort)network.SegmentationId.Value),
            _ => null,
        };
    }

    /// <summary>The vlan_vid a frame of this segment carries on the physical bridge.</summary>
    public ushort Vid => VlanId is { } id ? (ushort)(VidPresent | id) : VidNone;

    public override string ToString() => VlanId is { } id ? $"{PhysicalNetwork} vlan {id}" : $"{PhysicalNetwork} flat";
}
