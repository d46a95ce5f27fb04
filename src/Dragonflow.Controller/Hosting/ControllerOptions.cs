using Dragonflow.NorthDb;

namespace Dragonflow.Controller.Hosting;

/// <summary>What the local controller needs from the [df] configuration, as plain values.</summary>
public sealed record ControllerOptions
{
    /// <summary>[df] host: this chassis' name, the id of its chassis record and the ports' binding.</summary>
    public required string Host { get; init; }

    /// <summary>[df] local_ip: the tunnel endpoint.</summary>
    public required string LocalIp { get; init; }

    /// <summary>[df] tunnel_types, in order of preference.</summary>
    public IReadOnlyList<string> TunnelTypes { get; init; } = ["geneve"];

    public string IntegrationBridge { get; init; } = "br-int";

    /// <summary>system or netdev.</summary>
    public string DatapathType { get; init; } = "system";

    /// <summary>unix:PATH or tcp:IP:PORT of the local ovsdb-server.</summary>
    public required string OvsdbConnection { get; init; }

    /// <summary>Where our OpenFlow listener binds; br-int's controller points here.</summary>
    public string OfListen { get; init; } = "tcp:127.0.0.1:6653";

    /// <summary>[df] apps_list.</summary>
    public IReadOnlyList<string> Apps { get; init; } = ["l2", "tunneling", "aging"];

    /// <summary>The NB database and pub/sub. The controller publishes its own writes (port bindings) on a port of its own.</summary>
    public required NbOptions Nb { get; init; }

    /// <summary>[df] external_bridge: the bridge that carries floating IP traffic (dnat), patched to br-int.</summary>
    public string ExternalBridge { get; init; } = "br-ex";

    /// <summary>[df] bridge_mappings: physical_network:bridge pairs; the external networks are on the physical networks mapped to <see cref="ExternalBridge"/>.</summary>
    public IReadOnlyList<string> BridgeMappings { get; init; } = ["public:br-ex"];

    /// <summary>[df] dns_domain: the domain name DHCP gives the VMs.</summary>
    public string DnsDomain { get; init; } = Dragonflow.Controller.Apps.Dhcp.DhcpLease.DefaultDomain;

    /// <summary>The metadata proxy (app metadata_service): Nova's metadata API, the shared secret, the namespace of the chassis' OVS.</summary>
    public Dragonflow.Controller.MetadataService.MetadataProxyOptions Metadata { get; init; } = new();

    /// <summary>[df] enable_chassis_as_gateway: this chassis SNATs routers' outbound traffic when the schedule picks it.</summary>
    public bool EnableChassisAsGateway { get; init; }

    /// <summary>The physical networks <see cref="BridgeMappings"/> maps to <see cref="ExternalBridge"/>, as the chassis row advertises them.</summary>
    public IReadOnlyList<string> ExternalPhysicalNetworks =>
        BridgeMappings.Select(m => m.Split(':')).Where(p => p.Length == 2 && p[1].Trim() == ExternalBridge && p[0].Trim().Length > 0)
            .Select(p => p[0].Trim()).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>This chassis' row as the controller registers it (the heartbeat fields are the heartbeat's).</summary>
    public Model.Chassis ChassisRow() => new()
    {
        Id = Host, Ip = LocalIp, TunnelTypes = [.. TunnelTypes],
        EnableChassisAsGateway = EnableChassisAsGateway, ExternalPhysicalNetworks = [.. ExternalPhysicalNetworks],
    };

    /// <summary>[df] metrics_listen: host:port of the Prometheus /metrics listener (port 0 = any free one); null = none.</summary>
    public string? MetricsListen { get; init; }

    /// <summary>A full sync as a safety net, in case pub/sub lost something no gap revealed.</summary>
    public TimeSpan SafetySyncInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>[df] report_interval: how often the controller writes its heartbeat into its chassis row.</summary>
    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Name of the flow-based tunnel port of a type (at most 15 characters).</summary>
    public static string TunnelPortName(string type) => "df-" + type;
}
