namespace Dragonflow.Controller.Pipeline;

/// <summary>
/// The br-int pipeline as data: every table, what it is for and where its flows may go (goto,
/// resubmit or conntrack recirculation). Which app writes which table at which priorities is
/// each app's <see cref="AppContract"/>; the flow installer checks every flow against both,
/// the trace verb names tables from here, and docs/pipeline.md is generated from it
/// (<c>dragonflow pipeline -f markdown</c>).
/// </summary>
public static class PipelineSpec
{
    public static IReadOnlyList<TableSpec> All { get; } =
    [
        new(Tables.IngressClassification, "INGRESS_CLASSIFICATION",
            "Where a packet entered: a local VM port (reg6 = its port key, metadata = its network), a tunnel " +
            "(the network from tun_id, reg7 from the destination MAC; to a router's MAC on a gateway chassis: SNAT), the patch from the external bridge or the metadata service's port.",
            [Tables.EgressPortSecurity, Tables.IngressNat, Tables.Snat, Tables.IngressConntrack, Tables.MetadataServiceReply]),
        new(Tables.EgressPortSecurity, "EGRESS_PORT_SECURITY",
            "Anti-spoofing, first half: a VM with port security may send only from its own MACs (and its allowed address pairs'); a port without port security passes.",
            [Tables.EgressSourceAddress, Tables.EgressConntrack]),
        new(Tables.EgressSourceAddress, "EGRESS_SOURCE_ADDRESS",
            "Anti-spoofing, second half: from a MAC that passed, only the port's addresses for it (and what a host sends before it has one).",
            [Tables.EgressConntrack]),
        new(Tables.EgressConntrack, "EGRESS_CONNTRACK",
            "Security groups, sending side: IP traffic of a port with port security goes through conntrack.",
            [Tables.EgressSecurityGroup, Tables.ServicesClassification]),
        new(Tables.EgressSecurityGroup, "EGRESS_SECURITY_GROUP",
            "Security groups, sending side: the connection state and the egress rules (conjunctions) admit or drop.",
            [Tables.ServicesClassification]),
        new(Tables.ServicesClassification, "SERVICES_CLASSIFICATION",
            "Packets the chassis answers itself: ARP, DHCP and the metadata service; everything else goes on to the L2 lookup.",
            [Tables.Arp, Tables.Dhcp, Tables.MetadataService, Tables.L2Lookup]),
        new(Tables.Arp, "ARP",
            "The ARP responder: who-has for a known address of the network is answered on the switch.",
            [Tables.L2Lookup]),
        new(Tables.Dhcp, "DHCP",
            "DHCP requests of local ports with a DHCP-enabled subnet go to the controller; others are dropped.",
            []),
        new(Tables.MetadataService, "METADATA_SERVICE",
            "A local port's request to 169.254.169.254:80: the source address becomes one that names the port's key, " +
            "then out of the metadata service's port to the chassis' proxy; others are dropped.",
            []),
        new(Tables.MetadataServiceReply, "METADATA_SERVICE_REPLY",
            "The proxy's answer, by the address that names the port: back to the port's own address and out of its interface.",
            []),
        new(Tables.IngressNat, "INGRESS_NAT",
            "From the external network: floating IPs' ARP, DNAT to the fixed address, the gateways' ARP replies; " +
            "on a gateway chassis ARP for a router's gateway address and the replies to it, through conntrack.",
            [Tables.UnSnat, Tables.Egress]),
        new(Tables.L2Lookup, "L2_LOOKUP",
            "The destination MAC within the network: a port (reg7), a router interface (to L3), or the flood of broadcast and multicast.",
            [Tables.L3Lookup, Tables.Egress]),
        new(Tables.L3Lookup, "L3_LOOKUP",
            "Routing: answers to the router's own addresses, the route to each subnet and extra route, what leaves by a floating IP, " +
            "and the rest of a router with a gateway: to the first live gateway chassis (BFD) or, on it, to SNAT.",
            [Tables.L3ProactiveLookup, Tables.EgressNat, Tables.Snat, Tables.Egress]),
        new(Tables.L3ProactiveLookup, "L3_PROACTIVE_LOOKUP",
            "The routed hop to each VM, installed ahead of time.",
            [Tables.Egress]),
        new(Tables.EgressNat, "EGRESS_NAT",
            "SNAT to the floating IP and out through the patch to the external bridge.",
            []),
        new(Tables.Snat, "SNAT",
            "On a gateway chassis: a router's outbound traffic gets the router's gateway address as source (conntrack, " +
            "a zone per router) unless SNAT is off, and leaves through the patch to the external bridge.",
            []),
        new(Tables.UnSnat, "UN_SNAT",
            "On a gateway chassis: a reply whose destination conntrack turned back into a VM's address is routed to the VM.",
            [Tables.Egress]),
        new(Tables.Egress, "EGRESS",
            "Where the destination port (reg7) lives: here (on to the ingress side) or behind a tunnel.",
            [Tables.IngressConntrack]),
        new(Tables.IngressConntrack, "INGRESS_CONNTRACK",
            "Security groups, receiving side: IP traffic to a port with port security goes through conntrack.",
            [Tables.IngressSecurityGroup, Tables.IngressDispatch]),
        new(Tables.IngressSecurityGroup, "INGRESS_SECURITY_GROUP",
            "Security groups, receiving side: the connection state and the ingress rules admit or drop.",
            [Tables.IngressDispatch]),
        new(Tables.IngressDispatch, "INGRESS_DISPATCH",
            "Out of the destination port's interface.",
            []),
        new(Tables.Canary, "CANARY",
            "The flow installer's own: one drop flow whose cookie records the flow generation (aging). No flow leads here.",
            []),
    ];

    private static readonly Dictionary<byte, TableSpec> ById = All.ToDictionary(t => t.Id);

    public static TableSpec? Find(byte table) => ById.GetValueOrDefault(table);

    /// <summary>The table's name, or TABLE_N for a number the pipeline does not use.</summary>
    public static string NameOf(byte table) => ById.TryGetValue(table, out var t) ? t.Name : "TABLE_" + table;
}
