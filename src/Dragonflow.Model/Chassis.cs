namespace Dragonflow.Model;

/// <summary>A compute node running a controller (table <c>chassis</c>); id is the host name.</summary>
public sealed class Chassis : NbObject
{
    /// <summary>Tunnel endpoint address.</summary>
    public string Ip { get; set; } = "";

    public List<string> TunnelTypes { get; set; } = [];

    public string? ExternalHostIp { get; set; }

    /// <summary>
    /// [df] enable_chassis_as_gateway: the chassis offers itself to SNAT routers' outbound
    /// traffic (<see cref="GatewaySchedule"/>).
    /// </summary>
    public bool EnableChassisAsGateway { get; set; }

    /// <summary>The physical networks its external bridge reaches ([df] bridge_mappings): a gateway serves only external networks on one of them (or on none).</summary>
    public List<string> ExternalPhysicalNetworks { get; set; } = [];

    /// <summary>
    /// Seconds since the Unix epoch of the controller's last heartbeat (upstream's service
    /// last_seen_up); null if its controller never reported. Written every
    /// <see cref="ReportInterval"/> seconds, so readers judge liveness without its configuration.
    /// </summary>
    public double? LastSeenUp { get; set; }

    /// <summary>Seconds between heartbeats ([df] report_interval of that controller).</summary>
    public double? ReportInterval { get; set; }

    /// <summary>What the controller reported about itself at the last heartbeat.</summary>
    public ControllerReport? Controller { get; set; }

    /// <summary>True when only the heartbeat fields differ: the topology the apps use is the same.</summary>
    public bool SameTopologyAs(Chassis other) =>
        Id == other.Id && Ip == other.Ip && ExternalHostIp == other.ExternalHostIp && TunnelTypes.SequenceEqual(other.TunnelTypes) &&
        EnableChassisAsGateway == other.EnableChassisAsGateway && ExternalPhysicalNetworks.SequenceEqual(other.ExternalPhysicalNetworks);
}

/// <summary>A controller's view of its own connections, written with each heartbeat.</summary>
public sealed class ControllerReport
{
    /// <summary>Connected to the local ovsdb-server.</summary>
    public bool OvsdbConnected { get; set; }

    /// <summary>The integration bridge is connected to our OpenFlow listener.</summary>
    public bool OpenflowConnected { get; set; }

    /// <summary>Pub/sub is on; <see cref="Publishers"/> are the publishers it is subscribed to.</summary>
    public bool PubSubEnabled { get; set; }

    public List<string> Publishers { get; set; } = [];

    /// <summary>The apps it runs (apps_list as built).</summary>
    public List<string> Apps { get; set; } = [];

    public string IntegrationBridge { get; set; } = "br-int";

    /// <summary>Ports plugged into the integration bridge for an lport.</summary>
    public int LocalPorts { get; set; }

    /// <summary>Plugged ports the controller cannot serve (they stay DOWN), with the reason.</summary>
    public Dictionary<string, string> PortsDown { get; set; } = [];

    /// <summary>Seconds since the Unix epoch when the controller started.</summary>
    public double StartedAt { get; set; }

    /// <summary>The last NB write of the controller that failed (reported once NB answers again), and when.</summary>
    public string? LastNbError { get; set; }

    public double? LastNbErrorAt { get; set; }
}
