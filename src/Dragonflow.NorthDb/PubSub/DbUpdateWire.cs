using System.Text.Json;

namespace Dragonflow.NorthDb.PubSub;

/// <summary>A DbUpdate as the JSON body every pub/sub transport carries.</summary>
internal static class DbUpdateWire
{
    public static byte[] Body(DbUpdate update) => JsonSerializer.SerializeToUtf8Bytes(update, PubSubJsonContext.Default.DbUpdate);

    /// <summary>Parses a body; null (never an exception) when it is not a DbUpdate.</summary>
    public static DbUpdate? TryParse(ReadOnlySpan<byte> body)
    {
        try
        {
            var update = JsonSerializer.Deserialize(body, PubSubJsonContext.Default.DbUpdate);
            return update is { Table.Length: > 0, PublisherId.Length: > 0 } ? update : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
