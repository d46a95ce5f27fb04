namespace Dragonflow.Controller.Topology;

/// <summary>
/// A bridge an app needs beside br-int, joined to it by a pair of patch ports (e.g. dnat's
/// external bridge). The host creates the bridge (same datapath type as br-int, OVS's default
/// fail mode) and both patch ports, and records the ofport of <see cref="IntegrationPatch"/> in
/// <see cref="BridgePorts"/>. Only these are the controller's: other ports on the bridge (the
/// operator's uplink) are never touched.
/// </summary>
public sealed record PatchedBridge(string Bridge, string IntegrationPatch, string BridgePatch)
{
    /// <summary>The usual pair for <paramref name="bridge"/>: int-BRIDGE on br-int, phy-BRIDGE on it (Neutron's naming, at most 15 characters).</summary>
    public static PatchedBridge Named(string bridge) => new(bridge, Truncate("int-" + bridge), Truncate("phy-" + bridge));

    private static string Truncate(string name) => name.Length <= MaxPortName ? name : name[..MaxPortName];

    /// <summary>Linux interface names are at most 15 characters.</summary>
    private const int MaxPortName = 15;
}
