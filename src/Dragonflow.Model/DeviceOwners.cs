namespace Dragonflow.Model;

/// <summary>Neutron's device_owner values of a port that Dragonflow acts on.</summary>
public static class DeviceOwners
{
    /// <summary>Ports Neutron creates for its own network services (router, DHCP, floating IP, ...); they get no default security group.</summary>
    public const string NetworkPrefix = "network:";

    /// <summary>Every router port: interface, gateway, and Neutron's distributed/HA/SNAT variants.</summary>
    public const string RouterPrefix = NetworkPrefix + "router";

    public const string RouterInterface = NetworkPrefix + "router_interface";
    public const string RouterGateway = NetworkPrefix + "router_gateway";
    public const string FloatingIp = NetworkPrefix + "floatingip";

    /// <summary>VM ports: "compute:" and the availability zone, e.g. "compute:nova".</summary>
    public const string ComputePrefix = "compute:";

    /// <summary>A VM port in Nova's default availability zone.</summary>
    public const string ComputeNova = ComputePrefix + "nova";
}
