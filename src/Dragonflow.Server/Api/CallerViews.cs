using System.Text.Json.Nodes;
using Dragonflow.Server.Http;

namespace Dragonflow.Server.Api;

/// <summary>
/// Views as a caller sees them: the rendered (admin's) view copied without the attributes its
/// policy hides. Lists render only the items that differ from the cached view.
/// </summary>
static class CallerViews
{
    public static Func<JsonObject, JsonObject?> Hiding(string[] attributes) => tree => Without((JsonObject)tree.DeepClone(), attributes);

    /// <summary>The view itself, without <paramref name="attributes"/>.</summary>
    public static JsonObject Without(JsonObject view, string[] attributes)
    {
        foreach (var a in attributes)
            view.Remove(a);
        return view;
    }

    public static RenderedView Render(JsonObject tree) =>
        new(tree, System.Text.Encoding.UTF8.GetBytes(tree.ToJsonString(ApiJson.Options)));
}
