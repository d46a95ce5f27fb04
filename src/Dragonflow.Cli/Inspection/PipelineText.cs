namespace Dragonflow.Cli.Inspection;

/// <summary>
/// <c>dragonflow pipeline -f table</c>: one row per table; a table with several writers or next
/// tables continues on rows of its own below (one writer and one next table per row).
/// </summary>
public static class PipelineText
{
    public static string Render(PipelineMap map)
    {
        var text = new TextTable("TABLE", "NAME", "WRITTEN BY", "NEXT", "PURPOSE");
        foreach (var table in map.Tables)
        {
            var rows = Math.Max(1, Math.Max(table.Writers.Count, table.Next.Count));
            for (var i = 0; i < rows; i++)
            {
                var first = i == 0;
                text.Add(
                    first ? table.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
                    first ? table.Name : "",
                    i < table.Writers.Count ? table.Writers[i].ToString() : first ? null : "",
                    i < table.Next.Count ? table.Next[i].ToString() : first ? null : "",
                    first ? table.Purpose : "");
            }
        }
        return text.ToString();
    }
}
