using Dragonflow.Model;

namespace Dragonflow.NorthDb.Drivers;

/// <summary>
/// One stored value as a driver sees it: the JSON text exactly as written, the backend's revision
/// of it (the compare-and-swap token) and the topic it is indexed under.
/// </summary>
public sealed record NbEntry(string Table, string Id, string Value, long Revision, string? Topic)
{
    public string Key => NbKey.For(Table, Id);
}
