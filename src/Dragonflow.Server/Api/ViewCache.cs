using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.NorthDb.Drivers;

namespace Dragonflow.Server.Api;

/// <summary>A resource as the API shows it, as a tree (for filters and fields) and as UTF-8 JSON (to send as is).</summary>
sealed record RenderedView(JsonObject Tree, byte[] Json);

/// <summary>
/// Rendered views keyed by NB id and driver revision. A list reads the stored entries (cheap)
/// and parses and renders only those that changed since the last list, so GET of many
/// thousands of ports costs about one database read plus copying bytes.
/// </summary>
sealed class ViewCache<T>(Func<T, JsonObject> render) where T : NbObject, new()
{
    readonly ConcurrentDictionary<string, (long Revision, RenderedView View)> _views = new();
    readonly NbTable<T> _table = NbTables.Of<T>();

    /// <summary>The view of an entry, or null if the stored value is unreadable.</summary>
    public RenderedView? Get(NbEntry entry)
    {
        if (_views.TryGetValue(entry.Id, out var cached) && cached.Revision == entry.Revision)
            return cached.View;
        T item;
        try
        {
            item = _table.Parse(entry.Value);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
        if (item.Id.Length == 0)
            item.Id = entry.Id;
        var tree = render(item);
        var view = new RenderedView(tree, System.Text.Encoding.UTF8.GetBytes(tree.ToJsonString(Http.ApiJson.Options)));
        _views[entry.Id] = (entry.Revision, view);
        return view;
    }

    /// <summary>Drops views of ids no longer stored, once the cache is clearly larger than the table.</summary>
    public void Prune(IReadOnlyList<NbEntry> entries)
    {
        if (_views.Count <= 2 * entries.Count + 64)
            return;
        var live = entries.Select(e => e.Id).ToHashSet();
        foreach (var id in _views.Keys)
            if (!live.Contains(id))
                _views.TryRemove(id, out _);
    }
}
