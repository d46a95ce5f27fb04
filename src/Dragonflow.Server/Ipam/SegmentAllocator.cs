using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Ipam;

/// <summary>
/// Segmentation ids (VNI / VLAN id) per network type, unique across the NB DB: a requested id is
/// claimed; an automatic one comes from the NB unique-key counter of its type and is then
/// claimed too, so it never collides with a requested one. A claim's scope is its network, so
/// the claims of a network whose create failed can be found without knowing their ids.
/// </summary>
sealed class SegmentAllocator(Reservations reservations, Dragonflow.NorthDb.NbApi nb, VlanRanges vlanRanges)
{
    /// <summary>
    /// The ids handed out automatically for <paramref name="type"/> on <paramref name="physnet"/>:
    /// a tunnel type's whole range; for VLAN the configured range of the physical network, or
    /// null (the request must name its id).
    /// </summary>
    public (int Min, int Max)? AllocationRange(string type, string? physnet) =>
        type == "vlan" ? (physnet is null ? null : vlanRanges.Of(physnet)) : RangeOf(type);

    /// <summary>
    /// A flat network takes its whole physical network: a second one there is refused
    /// (Neutron's FlatNetworkInUse).
    /// </summary>
    public async Task ClaimFlatAsync(string physnet, string networkId)
    {
        if (!await reservations.TryClaimAsync(Reservations.SegmentTable, FlatKey(physnet), networkId, networkId))
            throw NeutronErrors.Conflict("FlatNetworkInUse",
                $"Unable to create the flat network. Physical network {physnet} is in use.");
    }

    public Task ReleaseFlatAsync(string physnet, string networkId) =>
        reservations.ReleaseAsync(Reservations.SegmentTable, FlatKey(physnet), networkId);

    static string FlatKey(string physnet) => $"flat_{physnet}";

    public static (int Min, int Max)? RangeOf(string networkType) => networkType switch
    {
        "vxlan" or "geneve" or "gre" => (1, 16_777_215),
        "vlan" => (1, 4094),
        _ => null,
    };

    static string Key(string type, string? physnet, int id) => physnet is null ? $"{type}_{id}" : $"{type}_{physnet}_{id}";

    public async Task ClaimAsync(string type, string? physnet, int id, string networkId)
    {
        if (!await reservations.TryClaimAsync(Reservations.SegmentTable, Key(type, physnet, id), networkId, networkId))
            throw NeutronErrors.Conflict(type == "vlan" ? "VlanIdInUse" : "TunnelIdInUse",
                type == "vlan"
                    ? $"Unable to create the network. The VLAN {id} on physical network {physnet} is in use."
                    : $"Unable to create the network. The tunnel ID {id} is in use.");
    }

    public async Task<int> AllocateAsync(string type, string? physnet, string networkId)
    {
        var (min, max) = AllocationRange(type, physnet) ?? throw new ArgumentException(type);
        while (true)
        {
            var n = await nb.Driver.AllocateUniqueKeyAsync($"segment_{type}{(physnet is null ? "" : "_" + physnet)}");
            var id = (int)(min - 1 + n);
            if (n > max - min + 1)
                throw NeutronErrors.ServiceUnavailable("Unable to create the network. No tenant network is available for allocation.");
            if (await reservations.TryClaimAsync(Reservations.SegmentTable, Key(type, physnet, id), networkId, networkId))
                return id;
        }
    }

    public Task ReleaseAsync(string type, string? physnet, int id, string networkId) =>
        reservations.ReleaseAsync(Reservations.SegmentTable, Key(type, physnet, id), networkId);

    /// <summary>Gives back whatever <paramref name="networkId"/> holds, also claims whose answers an outage lost.</summary>
    public Task ReleaseAllOfAsync(string networkId) =>
        reservations.Undo.RunAsync(() => reservations.ReleaseOwnedAsync(Reservations.SegmentTable, networkId, networkId));
}
