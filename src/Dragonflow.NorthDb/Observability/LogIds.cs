namespace Dragonflow.NorthDb.Observability;

/// <summary>
/// The ids of the objects a log line is about, as a log scope: structured loggers (the JSON
/// console) write each pair as a property, the text formatter writes <c>PortId:… NetworkId:…</c>.
/// Null ids are left out.
/// </summary>
public sealed class LogIds : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly List<KeyValuePair<string, object?>> _pairs = [];

    public LogIds(params (string Name, string? Id)[] ids)
    {
        foreach (var (name, id) in ids)
            if (!string.IsNullOrEmpty(id)) _pairs.Add(new(name, id));
    }

    public LogIds(IEnumerable<KeyValuePair<string, object?>> pairs) =>
        _pairs.AddRange(pairs.Where(p => p.Value is not null and not ""));

    public int Count => _pairs.Count;

    public KeyValuePair<string, object?> this[int index] => _pairs[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _pairs.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(' ', _pairs.Select(p => $"{p.Key}:{p.Value}"));
}
