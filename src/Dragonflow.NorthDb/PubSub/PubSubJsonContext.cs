using System.Text.Json.Serialization;

namespace Dragonflow.NorthDb.PubSub;

/// <summary>Wire JSON of <see cref="DbUpdate"/>: snake_case, as the other NB JSON.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DbUpdate))]
internal sealed partial class PubSubJsonContext : JsonSerializerContext;
