using Dragonflow.Controller.Flows;
using Dragonflow.OpenFlow.Actions;

namespace Dragonflow.Controller.Pipeline;

/// <summary>
/// What an app may write: its priority bands, table by table. The flow installer refuses a flow
/// outside them (<see cref="Check"/>), and the controller refuses at start-up a set of apps
/// whose bands compete (<see cref="Conflicts"/>).
/// </summary>
public sealed class AppContract
{
    public AppContract(AppId app, IReadOnlyList<PriorityBand> bands)
    {
        App = app;
        Bands = bands;
        Tables = bands.Select(b => b.Table).ToHashSet();
        if (Tables.Contains(Pipeline.Tables.Canary))
            throw new ArgumentException($"app {app} may not write table {Pipeline.Tables.Canary}: it holds the aging canary");
        foreach (var table in Tables)
        {
            if (PipelineSpec.Find(table) is null)
                throw new ArgumentException($"app {app} declares table {table}, which the pipeline does not have");
        }
    }

    /// <summary>A contract of every priority in each of <paramref name="tables"/> (for installers driven without apps, e.g. in tests).</summary>
    public static AppContract AnyPriority(AppId app, IEnumerable<byte> tables) =>
        new(app, tables.Distinct().Select(t => new PriorityBand(t, "any", 0, ushort.MaxValue)).ToList());

    public AppId App { get; }

    public IReadOnlyList<PriorityBand> Bands { get; }

    public IReadOnlySet<byte> Tables { get; }

    /// <summary>Why <paramref name="flow"/> breaks the contract or the pipeline, or null if it keeps both.</summary>
    public string? Check(DesiredFlow flow)
    {
        if (!Tables.Contains(flow.Table))
            return $"app {App} may not write table {flow.Table} ({PipelineSpec.NameOf(flow.Table)}); its tables are {string.Join(",", Tables.Order())}";
        var inBand = false;
        foreach (var band in Bands)
        {
            if (band.Table == flow.Table && band.Contains(flow.Priority))
            {
                inBand = true;
                break;
            }
        }
        if (!inBand)
            return $"app {App} wrote priority {flow.Priority} in table {flow.Table}, outside its bands there: " +
                string.Join(", ", Bands.Where(b => b.Table == flow.Table));
        var next = PipelineSpec.Find(flow.Table)!.Next;
        if (!NextTables.OnlyIn(flow.Instructions, next, out var target))
            return $"app {App}: a flow in table {flow.Table} ({PipelineSpec.NameOf(flow.Table)}) leads to table {target}, " +
                $"which the pipeline does not allow there (allowed: {string.Join(",", next)})";
        return null;
    }

    /// <summary>
    /// What makes these apps unable to run together: two apps with bands that overlap in a table
    /// (unless both are shared by the same match field). Empty when they fit.
    /// </summary>
    public static IReadOnlyList<string> Conflicts(IReadOnlyList<AppContract> contracts)
    {
        var conflicts = new List<string>();
        for (var i = 0; i < contracts.Count; i++)
        {
            for (var j = i + 1; j < contracts.Count; j++)
            {
                foreach (var a in contracts[i].Bands)
                {
                    foreach (var b in contracts[j].Bands)
                    {
                        if (!a.Overlaps(b) || (a.SharedBy is not null && a.SharedBy == b.SharedBy)) continue;
                        conflicts.Add($"{contracts[i].App} band {a} and {contracts[j].App} band {b} overlap in table {a.Table} ({PipelineSpec.NameOf(a.Table)})");
                    }
                }
            }
        }
        return conflicts;
    }
}
