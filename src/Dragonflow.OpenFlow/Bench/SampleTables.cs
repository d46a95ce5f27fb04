namespace Dragonflow.OpenFlow.Bench;

/// <summary>
/// The tables <see cref="SampleFlows"/> writes and jumps to. The protocol library knows no
/// pipeline, so the caller names them (the CLI bench passes the controller's own tables).
/// </summary>
/// <param name="Classification">Where a packet enters: in_port sets reg6 and metadata.</param>
/// <param name="AfterClassification">Where classification continues (goto).</param>
/// <param name="Arp">The ARP responder.</param>
/// <param name="Lookup">The L2 lookup: destination MAC sets reg7.</param>
/// <param name="Egress">Where the lookup continues (goto).</param>
/// <param name="Dispatch">reg7 to the output port.</param>
public sealed record SampleTables(byte Classification, byte AfterClassification, byte Arp, byte Lookup, byte Egress, byte Dispatch);
