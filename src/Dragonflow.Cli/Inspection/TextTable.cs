using System.Text;

namespace Dragonflow.Cli.Inspection;

/// <summary>Rows of text cells rendered as left-aligned columns under an upper-case header, like the openstack CLI's plain lists.</summary>
public sealed class TextTable(params string[] header)
{
    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public void Add(params string?[] cells) => _rows.Add([.. cells.Select(c => c ?? "-")]);

    public override string ToString()
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, _rows.Select(r => i < r.Length ? r[i].Length : 0).DefaultIfEmpty(0).Max())).ToArray();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> cells)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                var cell = i < cells.Count ? cells[i] : "";
                sb.Append(i == widths.Length - 1 ? cell : cell.PadRight(widths[i] + 2));
            }
            sb.Append('\n');
        }
        Line(header);
        foreach (var row in _rows) Line(row);
        return sb.ToString().TrimEnd('\n');
    }
}
