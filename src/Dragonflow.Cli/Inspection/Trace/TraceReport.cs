using System.Text;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>
/// Everything `dragonflow trace` found: the logical path, the OpenFlow path on each chassis it
/// was traced on (the source's, then the one a tunnel led to) and one verdict.
/// </summary>
public sealed record TraceReport(string Packet, LogicalTrace Logical, IReadOnlyList<OpenFlowResult> Hops, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// The switches traced stop short of the stage that decides (e.g. the packet left through a
    /// tunnel and the destination's ingress security group is checked on the chassis it went to):
    /// what they did neither confirms nor contradicts the logical verdict.
    /// </summary>
    public bool Inconclusive { get; init; }

    /// <summary>What the switches did when they were traced (and that decided); otherwise what the topology says.</summary>
    public bool Delivered => Hops.Count > 0 && !Inconclusive ? Hops[^1].Forwarded : Logical.Delivered;

    public string Verdict => Hops.Count switch
    {
        0 => Logical.Verdict,
        1 => $"{Hops[0].Verdict} (on chassis {Hops[0].Chassis})",
        _ => $"{Hops[^1].Verdict} (via chassis {string.Join(" -> ", Hops.Select(h => h.Chassis))})",
    };

    /// <summary>The logical topology and the switch disagree (e.g. a flow missing, or an app that filters differently).</summary>
    public bool Disagree => Hops.Count > 0 && !Inconclusive && Hops[^1].Forwarded != Logical.Delivered;

    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append("packet: ").Append(Packet).Append('\n').Append('\n');
        sb.Append("logical path\n");
        var steps = new TextTable("STAGE", "OBJECT", "RESULT", "DETAIL");
        foreach (var s in Logical.Steps) steps.Add(s.Stage, s.Object, s.Passed ? "pass" : "DROP", s.Detail);
        sb.Append(steps).Append('\n').Append("logical verdict: ").Append(Logical.Verdict).Append('\n');
        foreach (var of in Hops)
        {
            sb.Append('\n').Append($"OpenFlow on chassis {of.Chassis}: ofproto/trace {of.Bridge} {of.Flow}\n");
            foreach (var f in of.Flows)
            {
                var head = f.Bridge is not null
                    ? $"      ({f.Bridge}) table {f.Table}, priority {f.Priority}"
                    : f.Priority is null
                    ? $"{f.Table,3} {f.TableName}: no match"
                    : $"{f.Table,3} {f.TableName}  priority {f.Priority}  app {f.App}  owner {f.Owner ?? "?"}{(f.Owner is not null && !f.OwnerExact ? " (from the match)" : "")}";
                sb.Append(head).Append('\n');
                if (f.Match.Length > 0) sb.Append("      match ").Append(f.Match).Append('\n');
                if (f.Actions.Count > 0) sb.Append("      actions ").Append(string.Join(", ", f.Actions)).Append('\n');
                foreach (var n in f.Notes) sb.Append("      ").Append(n).Append('\n');
            }
            sb.Append("datapath actions: ").Append(string.Join(" | ", of.DatapathActions)).Append('\n');
        }
        foreach (var n in Notes) sb.Append("note: ").Append(n).Append('\n');
        if (Disagree) sb.Append("warning: the switch disagrees with the logical topology (logical: ").Append(Logical.Verdict).Append(")\n");
        sb.Append('\n').Append("verdict: ").Append(Verdict);
        return sb.ToString();
    }
}
