namespace Dragonflow.Controller.Topology;

/// <summary>
/// Something an app needs on the chassis besides br-int (<see cref="Apps.ControllerApp.Needs"/>).
/// The host makes it at start-up and records the ofport of its port on br-int
/// (<see cref="IntegrationPort"/>) in <see cref="BridgePorts"/>, where the app finds it by name.
/// Only what a need names is the controller's: other ports on a bridge it makes (an operator's
/// uplink) are never touched.
/// </summary>
public abstract record ChassisNeed
{
    /// <summary>The name of the port on br-int through which the app reaches what it needs.</summary>
    public abstract string IntegrationPort { get; }
}

/// <summary>
/// A bridge joined to br-int by a pair of patch ports (e.g. dnat's external bridge). It gets
/// br-int's datapath type and OVS's default fail mode, standalone, so it switches like the
/// physical segment it stands for.
/// </summary>
public sealed record PatchedBridge(string Bridge, string IntegrationPatch, string BridgePatch) : ChassisNeed
{
    /// <summary>Linux interface names are at most 15 characters.</summary>
    private const int MaxPortName = 15;

    /// <summary>The usual pair for <paramref name="bridge"/>: int-BRIDGE on br-int, phy-BRIDGE on it (Neutron's naming).</summary>
    public static PatchedBridge Named(string bridge) => new(bridge, Truncate("int-" + bridge), Truncate("phy-" + bridge));

    public override string IntegrationPort => IntegrationPatch;

    private static string Truncate(string name) => name.Length <= MaxPortName ? name : name[..MaxPortName];
}

/// <summary>
/// An internal port on br-int: an interface in the chassis' own network stack whose traffic
/// passes through the pipeline (e.g. the local end of a service the chassis answers itself).
/// </summary>
public sealed record InternalPort(string Name) : ChassisNeed
{
    public override string IntegrationPort => Name;
}
