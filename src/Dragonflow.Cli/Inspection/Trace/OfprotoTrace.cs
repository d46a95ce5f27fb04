using System.Text.RegularExpressions;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>One flow (or table miss) in an ofproto/trace, with the actions printed under it.</summary>
public sealed record TracedFlow(int Section, string Bridge, byte Table, ushort? Priority, ulong? Cookie, string Match, IReadOnlyList<string> Actions, IReadOnlyList<string> Notes)
{
    /// <summary>"N. No match." — the table had no flow for the packet.</summary>
    public bool IsMiss => Priority is null;
}

/// <summary>
/// The output of <c>ovs-appctl ofproto/trace</c> (Open vSwitch 2.8+ format) read into flows:
/// one entry per <c>TABLE. MATCH, priority P, cookie C</c> line, with its action lines, across
/// every recirculation section (conntrack resumes after ct()), each with the bridge it ran in
/// (a tunnel output continues into the underlay bridge). The "Datapath actions" line and the
/// packet as it left ("Final flow", else the section's "Flow") of each section are kept.
/// </summary>
public sealed partial record OfprotoTrace(IReadOnlyList<TracedFlow> Flows, IReadOnlyList<string> DatapathActions, IReadOnlyList<string> FinalFlows, string Text)
{
    [GeneratedRegex(@"^\s*bridge\(""(?<name>[^""]+)""\)\s*$")]
    private static partial Regex BridgeLine();

    [GeneratedRegex(@"^\s*(?<table>\d+)\. (?:(?<match>.*?), )?priority (?<prio>\d+)(?:, cookie 0x(?<cookie>[0-9a-fA-F]+))?\s*$")]
    private static partial Regex FlowLine();

    [GeneratedRegex(@"^\s*(?<table>\d+)\. No match\.?\s*$")]
    private static partial Regex MissLine();

    public static OfprotoTrace Parse(string text)
    {
        var flows = new List<TracedFlow>();
        var datapath = new List<string>();
        var finals = new List<string>();
        var section = 0;
        var bridge = "";
        var sectionFlow = "";
        (int Section, string Bridge, byte Table, ushort? Priority, ulong? Cookie, string Match, List<string> Actions, List<string> Notes)? current = null;
        void Close()
        {
            if (current is { } c) flows.Add(new TracedFlow(c.Section, c.Bridge, c.Table, c.Priority, c.Cookie, c.Match, c.Actions, c.Notes));
            current = null;
        }
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("Flow:", StringComparison.Ordinal))
            {
                Close();
                section++;
                bridge = "";
                sectionFlow = trimmed["Flow:".Length..].Trim();
                continue;
            }
            if (BridgeLine().Match(line) is { Success: true } b)
            {
                bridge = b.Groups["name"].Value;
                continue;
            }
            if (trimmed.StartsWith("Final flow:", StringComparison.Ordinal))
            {
                Close();
                var final = trimmed["Final flow:".Length..].Trim();
                finals.Add(final == "unchanged" ? sectionFlow : final);
                continue;
            }
            if (trimmed.Length > 0 && trimmed.Trim('-').Length == 0) continue; // the underline of a bridge line
            if (trimmed.StartsWith("Datapath actions:", StringComparison.Ordinal))
            {
                Close();
                datapath.Add(trimmed["Datapath actions:".Length..].Trim());
                continue;
            }
            if (trimmed.StartsWith("Megaflow:", StringComparison.Ordinal) || trimmed.StartsWith("=====", StringComparison.Ordinal))
            {
                Close();
                continue;
            }
            var m = FlowLine().Match(line);
            if (m.Success && byte.TryParse(m.Groups["table"].Value, out var table))
            {
                Close();
                ulong? cookie = m.Groups["cookie"].Success ? Convert.ToUInt64(m.Groups["cookie"].Value, 16) : null;
                current = (section, bridge, table, ushort.Parse(m.Groups["prio"].Value, System.Globalization.CultureInfo.InvariantCulture), cookie,
                    m.Groups["match"].Value, [], []);
                continue;
            }
            var miss = MissLine().Match(line);
            if (miss.Success && byte.TryParse(miss.Groups["table"].Value, out var missTable))
            {
                Close();
                current = (section, bridge, missTable, null, null, "", [], []);
                continue;
            }
            if (current is { } open && trimmed.Length > 0)
            {
                if (trimmed.StartsWith("->", StringComparison.Ordinal) || trimmed.StartsWith(">>", StringComparison.Ordinal)) open.Notes.Add(trimmed);
                else open.Actions.Add(trimmed);
            }
        }
        Close();
        return new OfprotoTrace(flows, datapath, finals, text);
    }
}
