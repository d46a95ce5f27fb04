using System.Globalization;

namespace Dragonflow.Server.Ipam;

/// <summary>
/// [ml2_type_vlan] network_vlan_ranges: per physical network, the VLAN ids the server hands
/// out to VLAN networks created without provider:segmentation_id ("physnet:min:max"). A
/// physical network listed alone ("physnet") takes only explicitly requested ids, as in Neutron.
/// </summary>
sealed class VlanRanges
{
    public const int MinId = 1;
    public const int MaxId = 4094;

    private readonly Dictionary<string, (int Min, int Max)> _ranges = new(StringComparer.Ordinal);

    /// <summary>Parses the entries; a malformed one is a configuration error (<see cref="ArgumentException"/>).</summary>
    public VlanRanges(IEnumerable<string> entries)
    {
        foreach (var entry in entries)
        {
            var parts = entry.Split(':');
            if (parts is [var alone] && alone.Length > 0) continue;
            if (parts is not [var physnet, var lo, var hi] || physnet.Length == 0 ||
                !int.TryParse(lo, NumberStyles.None, CultureInfo.InvariantCulture, out var min) ||
                !int.TryParse(hi, NumberStyles.None, CultureInfo.InvariantCulture, out var max) ||
                min < MinId || max > MaxId || min > max)
            {
                throw new ArgumentException($"network_vlan_ranges entry '{entry}' is not physical_network[:min:max] with {MinId} <= min <= max <= {MaxId}");
            }
            if (!_ranges.TryAdd(physnet, (min, max)))
                throw new ArgumentException($"network_vlan_ranges names physical network {physnet} twice");
        }
    }

    /// <summary>The range VLAN ids of <paramref name="physnet"/> are allocated from, or null if it has none.</summary>
    public (int Min, int Max)? Of(string physnet) => _ranges.TryGetValue(physnet, out var r) ? r : null;
}
