using Microsoft.Extensions.Logging;

namespace Dragonflow.Server.Api;

/// <summary>
/// All-or-nothing creation of several resources through their single-create path, as Neutron
/// emulates an atomic bulk create: items are made in order; when one fails (its own create has
/// rolled itself back), those made before it are taken back, last first, and the failing item's
/// error is the answer.
/// </summary>
static class BulkCreate
{
    public static async Task<IReadOnlyList<T>> RunAsync<TItem, T>(IReadOnlyList<TItem> items, Func<TItem, Task<T>> create, Func<T, Task> undo, ILogger log)
    {
        var created = new List<T>(items.Count);
        try
        {
            foreach (var item in items)
                created.Add(await create(item));
            return created;
        }
        catch
        {
            for (var i = created.Count - 1; i >= 0; i--)
            {
                try
                {
                    await undo(created[i]);
                }
                catch (Exception e)
                {
                    // The others are still taken back, and the client still learns why the request failed.
                    log.LogError(e, "bulk create: could not take back item {Index} of {Count}", i, items.Count);
                }
            }
            throw;
        }
    }
}
