namespace Dragonflow.Controller.Pipeline;

/// <summary>
/// The match fields by which apps share a priority band of one table (<see cref="PriorityBand.SharedBy"/>):
/// each app's flows in it match values of the field no other app's flows match.
/// </summary>
public static class SharedBy
{
    /// <summary>Each app classifies its own switch ports (VM interfaces, tunnels, the external patch).</summary>
    public const string InPort = "in_port";

    /// <summary>Each app forwards its own MACs (VM ports, router interfaces).</summary>
    public const string EthDst = "eth_dst";

    /// <summary>Each app answers ARP for its own addresses (VM ports, the DHCP server).</summary>
    public const string ArpTarget = "arp_tpa";

    /// <summary>Each app delivers to its own destination ports (local or behind a tunnel).</summary>
    public const string DestinationPort = "reg7";
}
