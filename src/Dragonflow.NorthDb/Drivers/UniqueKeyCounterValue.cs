using System.Text.Json;
using Dragonflow.Model;

namespace Dragonflow.NorthDb.Drivers;

/// <summary>
/// The stored unique-key counter <c>{"id":table,"value":last,"version":n}</c> as drivers that
/// advance it by compare-and-swap read it (etcd, zookeeper).
/// </summary>
internal static class UniqueKeyCounterValue
{
    /// <summary>The next value and version after <paramref name="stored"/>; a corrupt counter is reported, never reset.</summary>
    public static (long Value, long Version) Next(string table, string stored)
    {
        try
        {
            using var doc = JsonDocument.Parse(stored);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("value", out var v) && v.TryGetInt64(out var value))
            {
                var version = root.TryGetProperty("version", out var n) && n.TryGetInt64(out var ver) ? ver : 0;
                return (value + 1, version + 1);
            }
        }
        catch (JsonException)
        {
        }
        throw new NbCorruptValueException(NbTables.UniqueKey.Name, table, $"not a unique key counter: {(stored.Length > 200 ? stored[..200] : stored)}");
    }
}
