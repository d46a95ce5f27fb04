using Dragonflow.Controller.Flows;

namespace Dragonflow.Controller.Apps;

/// <summary>The kinds of change an app can react to.</summary>
[Flags]
public enum AppEvents
{
    None = 0,

    /// <summary>A port appeared, changed, was bound/unbound, plugged/unplugged or removed.</summary>
    Port = 1,

    /// <summary>A network (or one of its subnets) or its set of ports/chassis changed.</summary>
    Network = 2,

    /// <summary>A chassis registered, changed or left.</summary>
    Chassis = 4,

    /// <summary>The local tunnel ports changed (ofport).</summary>
    TunnelPorts = 8,

    /// <summary>A packet-in from a flow this app installed (by the app byte of the cookie).</summary>
    PacketIn = 16,

    /// <summary>A router (its interfaces or routes) appeared, changed or was removed.</summary>
    Router = 32,

    /// <summary>A floating IP appeared, was (dis)associated, moved or was removed.</summary>
    FloatingIp = 256,

    /// <summary>The controller's periodic tick (about once a second), for work that retries or refreshes.</summary>
    Timer = 512,
    /// <summary>A security group (its rules) appeared, changed or was removed.</summary>
    SecurityGroup = 64,
}

/// <summary>
/// A controller app: a pure function from the cached topology to desired flows. It declares
/// the tables it writes and the events it handles; its handlers recompute the flows of one
/// owner (a port, a network, "chassis:X") and hand them to <see cref="ChassisContext.Flows"/>.
/// Apps never touch a socket and never block.
/// </summary>
public abstract class ControllerApp(ChassisContext context)
{
    protected ChassisContext Context { get; } = context;

    public abstract AppId Id { get; }

    /// <summary>Tables this app writes; a flow into another table is refused (and logged).</summary>
    public abstract IReadOnlySet<byte> Tables { get; }

    public abstract AppEvents Handles { get; }

    /// <summary>Installs the app's chassis-wide flows (called once, before the first full sync).</summary>
    public virtual void Start() { }

    public virtual void OnPortChanged(string portId) { }

    public virtual void OnNetworkChanged(string networkId) { }

    public virtual void OnChassisChanged(string chassisId) { }

    public virtual void OnTunnelPortsChanged() { }

    public virtual void OnRouterChanged(string routerId) { }

    public virtual void OnPacketIn(PacketInData packet) { }

    public virtual void OnFloatingIpChanged(string floatingIpId) { }

    /// <summary>The periodic tick; the time is <see cref="ChassisContext.Clock"/>.</summary>
    public virtual void OnTimer() { }
    public virtual void OnSecurityGroupChanged(string groupId) { }

    protected void Set(string owner, IEnumerable<DesiredFlow> flows) => Context.SetFlows(this, owner, flows);

    protected void Clear(string owner) => Context.Flows.Clear(Id, owner);
}

/// <summary>A packet-in as apps get it: where it came from and the frame (a copy, safe to keep).</summary>
public sealed record PacketInData(byte Table, ulong Cookie, uint InPort, ulong Metadata, uint SourcePortKey, byte[] Frame);
