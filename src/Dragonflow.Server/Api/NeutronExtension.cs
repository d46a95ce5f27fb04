using System.Text.Json.Serialization;

namespace Dragonflow.Server.Api;

/// <summary>One entry of <c>GET /v2.0/extensions</c>, as Neutron shows it.</summary>
public sealed record NeutronExtension(
    [property: JsonPropertyName("alias")] string Alias,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description)
{
    [JsonPropertyName("updated")] public string Updated { get; init; } = "2026-01-01T00:00:00-00:00";
    [JsonPropertyName("links")] public IReadOnlyList<object> Links { get; init; } = [];
}
