using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;

namespace Dragonflow.Controller.Apps;

/// <summary>The kinds of change an app can react to; the change router (<see cref="Topology.ChangeRoutes"/>) turns NB changes into them.</summary>
[Flags]
public enum AppEvents
{
    None = 0,

    /// <summary>A port appeared, changed, was bound/unbound, plugged/unplugged or removed.</summary>
    Port = 1,

    /// <summary>A network (or one of its subnets) or its set of ports/chassis changed.</summary>
    Network = 2,

    /// <summary>A packet-in from a flow this app installed (by the app byte of the cookie).</summary>
    PacketIn = 16,

    /// <summary>A router (its interfaces or routes) appeared, changed or was removed.</summary>
    Router = 32,

    /// <summary>A security group (its rules) appeared, changed or was removed.</summary>
    SecurityGroup = 64,

    /// <summary>A floating IP appeared, was (dis)associated, moved or was removed.</summary>
    FloatingIp = 256,

    /// <summary>The controller's periodic tick (about once a second), for work that retries or refreshes.</summary>
    Timer = 512,
}

/// <summary>
/// A controller app: a pure function from the cached topology to desired flows. It declares
/// what it may write (<see cref="Contract"/>: its priority bands, table by table), what it reacts
/// to (<see cref="Handles"/>) and what it needs on the chassis (<see cref="Needs"/>); its
/// handlers recompute the flows of one owner and hand them to <see cref="ChassisContext.Flows"/>.
/// Apps never touch a socket and never block.
/// </summary>
public abstract class ControllerApp(ChassisContext context)
{
    protected ChassisContext Context { get; } = context;

    public AppId Id => Contract.App;

    /// <summary>The app's priority bands; a flow outside them is refused (and logged).</summary>
    public abstract AppContract Contract { get; }

    public abstract AppEvents Handles { get; }

    /// <summary>Bridges and ports the app needs on this chassis besides br-int; the host creates them before the app starts.</summary>
    public virtual IReadOnlyList<Topology.ChassisNeed> Needs => [];

    /// <summary>Installs the app's chassis-wide flows (called once, before the first full sync).</summary>
    public virtual void Start() { }

    public virtual void OnPortChanged(string portId) { }

    public virtual void OnNetworkChanged(string networkId) { }

    public virtual void OnRouterChanged(string routerId) { }

    public virtual void OnPacketIn(PacketInData packet) { }

    public virtual void OnFloatingIpChanged(string floatingIpId) { }

    public virtual void OnSecurityGroupChanged(string groupId) { }

    /// <summary>The timer's tick (see <see cref="NextTimer"/>); the time is <see cref="ChassisContext.Clock"/>.</summary>
    public virtual void OnTimer() { }

    /// <summary>How often an app that handles <see cref="AppEvents.Timer"/> is ticked unless it says otherwise.</summary>
    public static readonly TimeSpan DefaultTimerInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When (on <see cref="ChassisContext.Clock"/>, now being <paramref name="now"/>) an app that
    /// handles <see cref="AppEvents.Timer"/> next needs <see cref="OnTimer"/>; null: not until an
    /// event changes that. The host asks again after every batch of events. By default, every
    /// <see cref="DefaultTimerInterval"/>.
    /// </summary>
    public virtual TimeSpan? NextTimer(TimeSpan now) => now + DefaultTimerInterval;

    /// <summary>The switch expired one of this app's flows (its idle or hard timeout); it is no longer in the app's desired flows.</summary>
    public virtual void OnFlowExpired(FlowOwner owner, DesiredFlow flow) { }

    /// <summary>A br-int port the app's <see cref="Needs"/> name appeared, changed ofport or went.</summary>
    public virtual void OnBridgePortsChanged() { }

    protected void Set(FlowOwner owner, IEnumerable<DesiredFlow> flows) => Context.SetFlows(this, owner, flows);

    protected void Clear(FlowOwner owner) => Context.Flows.Clear(Id, owner);
}

/// <summary>A packet-in as apps get it: where it came from and the frame (a copy, safe to keep).</summary>
public sealed record PacketInData(byte Table, ulong Cookie, uint InPort, ulong Metadata, uint SourcePortKey, byte[] Frame);
