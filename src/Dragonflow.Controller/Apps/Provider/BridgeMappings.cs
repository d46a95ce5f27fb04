using Dragonflow.Controller.Topology;

namespace Dragonflow.Controller.Apps.Provider;

/// <summary>
/// [df] bridge_mappings ("physnet:bridge", …) as the provider app uses it: the bridge of each
/// physical network, patched to br-int. Malformed entries are skipped (and named, so the app
/// can log them); two physical networks may share a bridge, the first mapping of a physical
/// network wins.
/// </summary>
public sealed class BridgeMappings
{
    private readonly Dictionary<string, PatchedBridge> _byPhysnet = new(StringComparer.Ordinal);

    public BridgeMappings(IEnumerable<string> entries)
    {
        var malformed = new List<string>();
        foreach (var entry in entries)
        {
            if (entry.Split(':') is [var physnet, var bridge] && physnet.Trim().Length > 0 && bridge.Trim().Length > 0)
                _byPhysnet.TryAdd(physnet.Trim(), PatchedBridge.Named(bridge.Trim()));
            else
                malformed.Add(entry);
        }
        Malformed = malformed;
    }

    /// <summary>Entries that are not "physnet:bridge".</summary>
    public IReadOnlyList<string> Malformed { get; }

    /// <summary>The bridges to patch to br-int, each once (a need equal to another app's is made once by the host).</summary>
    public IReadOnlyList<PatchedBridge> Bridges => _byPhysnet.Values.Distinct().ToList();

    /// <summary>The bridge of <paramref name="physnet"/>, or null if this chassis has none.</summary>
    public PatchedBridge? BridgeOf(string physnet) => _byPhysnet.GetValueOrDefault(physnet);
}
