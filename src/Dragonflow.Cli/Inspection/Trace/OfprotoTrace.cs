using System.Text.RegularExpressions;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>One flow (or table miss) in an ofproto/trace, with the actions printed under it.</summary>
public sealed record TracedFlow(int Section, byte Table, ushort? Priority, ulong? Cookie, string Match, IReadOnlyList<string> Actions, IReadOnlyList<string> Notes)
{
    /// <summary>"N. No match." — the table had no flow for the packet.</summary>
    public bool IsMiss => Priority is null;
}

/// <summary>
/// The output of <c>ovs-appctl ofproto/trace</c> (Open vSwitch 2.8+ format) read into flows:
/// one entry per <c>TABLE. MATCH, priority P, cookie C</c> line, with its action lines, across
/// every recirculation section (conntrack resumes after ct()). The final "Datapath actions"
/// line of each section is kept.
/// </summary>
public sealed partial record OfprotoTrace(IReadOnlyList<TracedFlow> Flows, IReadOnlyList<string> DatapathActions, string Text)
{
    [GeneratedRegex(@"^\s*(?<table>\d+)\. (?:(?<match>.*?), )?priority (?<prio>\d+)(?:, cookie 0x(?<cookie>[0-9a-fA-F]+))?\s*$")]
    private static partial Regex FlowLine();

    [GeneratedRegex(@"^\s*(?<table>\d+)\. No match\.?\s*$")]
    private static partial Regex MissLine();

    public static OfprotoTrace Parse(string text)
    {
        var flows = new List<TracedFlow>();
        var datapath = new List<string>();
        var section = 0;
        (int Section, byte Table, ushort? Priority, ulong? Cookie, string Match, List<string> Actions, List<string> Notes)? current = null;
        void Close()
        {
            if (current is { } c) flows.Add(new TracedFlow(c.Section, c.Table, c.Priority, c.Cookie, c.Match, c.Actions, c.Notes));
            current = null;
        }
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("Flow:", StringComparison.Ordinal))
            {
                Close();
                section++;
                continue;
            }
            if (trimmed.StartsWith("Datapath actions:", StringComparison.Ordinal))
            {
                Close();
                datapath.Add(trimmed["Datapath actions:".Length..].Trim());
                continue;
            }
            if (trimmed.StartsWith("Final flow:", StringComparison.Ordinal) || trimmed.StartsWith("Megaflow:", StringComparison.Ordinal) || trimmed.StartsWith("=====", StringComparison.Ordinal))
            {
                Close();
                continue;
            }
            var m = FlowLine().Match(line);
            if (m.Success && byte.TryParse(m.Groups["table"].Value, out var table))
            {
                Close();
                ulong? cookie = m.Groups["cookie"].Success ? Convert.ToUInt64(m.Groups["cookie"].Value, 16) : null;
                current = (section, table, ushort.Parse(m.Groups["prio"].Value, System.Globalization.CultureInfo.InvariantCulture), cookie,
                    m.Groups["match"].Value, [], []);
                continue;
            }
            var miss = MissLine().Match(line);
            if (miss.Success && byte.TryParse(miss.Groups["table"].Value, out var missTable))
            {
                Close();
                current = (section, missTable, null, null, "", [], []);
                continue;
            }
            if (current is { } open && trimmed.Length > 0)
            {
                if (trimmed.StartsWith("->", StringComparison.Ordinal) || trimmed.StartsWith(">>", StringComparison.Ordinal)) open.Notes.Add(trimmed);
                else open.Actions.Add(trimmed);
            }
        }
        Close();
        return new OfprotoTrace(flows, datapath, text);
    }
}
