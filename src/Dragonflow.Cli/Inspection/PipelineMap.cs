using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Pipeline;

namespace Dragonflow.Cli.Inspection;

/// <summary>
/// The br-int pipeline as <c>dragonflow pipeline</c> shows it: each table of <see cref="PipelineSpec"/>
/// in id order with the apps that write it (from their <see cref="AppContract"/>s), and each app's
/// bands. Built from the data alone, so it cannot drift from what the flow installer enforces.
/// </summary>
public sealed record PipelineMap(IReadOnlyList<MappedTable> Tables, IReadOnlyList<MappedApp> Apps)
{
    /// <summary>The pipeline of this build with every app it knows.</summary>
    public static PipelineMap Build() =>
        Of(PipelineSpec.All, AppCatalog.Declarations().Select(a => a.Contract).ToList());

    public static PipelineMap Of(IReadOnlyList<TableSpec> tables, IReadOnlyList<AppContract> contracts)
    {
        var mapped = tables.OrderBy(t => t.Id).Select(t => new MappedTable(
            t.Id, t.Name, t.Purpose,
            [.. contracts.Where(c => c.Tables.Contains(t.Id)).Select(c => new TableWriter(c.App.Name, [.. c.Bands.Where(b => b.Table == t.Id).Select(MappedBand.Of)]))],
            [.. t.Next.Select(TableRef.Of)]));
        var apps = contracts.Select(c => new MappedApp(
            c.App.Name, c.App.Value,
            [.. c.Bands.OrderBy(b => b.Table).Select(b => new AppBand(TableRef.Of(b.Table), MappedBand.Of(b)))]));
        return new PipelineMap([.. mapped], [.. apps]);
    }
}

/// <summary>One table: what it decides, who writes it at which priorities, where its flows may lead.</summary>
public sealed record MappedTable(byte Id, string Name, string Purpose, IReadOnlyList<TableWriter> Writers, IReadOnlyList<TableRef> Next);

/// <summary>An app's bands in one table.</summary>
public sealed record TableWriter(string App, IReadOnlyList<MappedBand> Bands)
{
    public override string ToString() => $"{App}: {string.Join(", ", Bands)}";
}

/// <summary>A table by number and name.</summary>
public sealed record TableRef(byte Id, string Name)
{
    public static TableRef Of(byte table) => new(table, PipelineSpec.NameOf(table));

    public override string ToString() => $"{Id} {Name}";
}

/// <summary>A priority band without its table (the table is where it is listed).</summary>
public sealed record MappedBand(string Name, ushort Lowest, ushort Highest, string? SharedBy)
{
    public static MappedBand Of(PriorityBand band) => new(band.Name, band.Lowest, band.Highest, band.SharedBy);

    /// <summary>"local port (100) shared by in_port": the band's own text and the field it is shared by.</summary>
    public override string ToString() =>
        new PriorityBand(0, Name, Lowest, Highest) + (SharedBy is null ? "" : " shared by " + SharedBy);
}

/// <summary>One app (name and cookie id) with every band of its contract, in table order.</summary>
public sealed record MappedApp(string Name, byte CookieId, IReadOnlyList<AppBand> Bands);

/// <summary>One band of an app, with its table.</summary>
public sealed record AppBand(TableRef Table, MappedBand Band);
