using System.Net;
using Dragonflow.Model;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>One stage of a packet's logical path: which NB object decided what.</summary>
public sealed record LogicalStep(string Stage, string Object, string Detail, bool Passed = true);

/// <summary>
/// A packet's path through the logical topology, as the NB objects say it should go.
/// <see cref="DestinationMac"/> is the Ethernet destination the VM would use (the destination
/// port's MAC on the same network, the router interface's MAC when routed), null when the VM
/// could not resolve one; the OpenFlow trace starts from it.
/// </summary>
public sealed record LogicalTrace(
    IReadOnlyList<LogicalStep> Steps,
    bool Delivered,
    string Verdict,
    LogicalPort Source,
    IPAddress SourceIp,
    LogicalPort? Destination,
    string? DestinationMac)
{
    public LogicalStep? Blocking => Delivered ? null : Steps.LastOrDefault(s => !s.Passed);
}
