namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>br-int table names (the pipeline of <c>docs/pipeline.md</c>), as Dragonflow operators know them.</summary>
public static class PipelineTables
{
    private static readonly Dictionary<byte, string> Names = new()
    {
        [0] = "INGRESS_CLASSIFICATION_DISPATCH", [1] = "EGRESS_PORT_SECURITY", [3] = "EGRESS_CONNTRACK", [6] = "EGRESS_SECURITY_GROUP",
        [9] = "SERVICES_CLASSIFICATION", [10] = "ARP", [11] = "DHCP", [15] = "INGRESS_NAT", [17] = "L2_LOOKUP", [20] = "L3_LOOKUP",
        [25] = "L3_PROACTIVE_LOOKUP", [30] = "EGRESS_NAT", [64] = "EGRESS", [72] = "INGRESS_CONNTRACK", [77] = "INGRESS_SECURITY_GROUP",
        [78] = "INGRESS_DISPATCH", [200] = "CANARY",
    };

    public static string Name(byte table) => Names.TryGetValue(table, out var name) ? name : "TABLE_" + table;
}
