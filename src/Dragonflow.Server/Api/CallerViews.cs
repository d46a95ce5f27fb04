using System.Text.Json.Nodes;
using Dragonflow.Server.Http;

namespace Dragonflow.Server.Api;

/// <summary>
/// Views as a caller sees them: the rendered (admin's) view copied without the attributes its
/// policy hides. Lists render only the items that differ from the cached view.
/// </summary>
static class CallerViews
{
    public static Func<JsonObject, JsonObject?> Hiding(string[] attributes) => tree =>
    {
        var copy = (JsonObject)tree.DeepClone();
        foreach (var a in attributes)
            copy.Remove(a);
        return copy;
    };

    public static RenderedView Render(JsonObject tree) =>
        new(tree, System.Text.Encoding.UTF8.GetBytes(tree.ToJsonString(ApiJson.Options)));
}
