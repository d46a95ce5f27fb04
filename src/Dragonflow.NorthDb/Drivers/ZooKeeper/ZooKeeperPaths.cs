using System.Text;

namespace Dragonflow.NorthDb.Drivers.ZooKeeper;

/// <summary>
/// Where the zookeeper driver keeps things. Values at /openstack/&lt;table&gt;/&lt;id&gt; as in
/// every backend; beside them /openstack/.topic-of/&lt;table&gt;/&lt;id&gt; holds the topic as JSON
/// (written in the same multi as the value, so both carry the same mzxid) and
/// /openstack/.topic/&lt;table&gt;/&lt;topic&gt;/&lt;id&gt; is the topic index. Ids and topics are
/// percent-encoded where ZooKeeper forbids a character in a node name ('/', controls,
/// surrogates and private-use characters; PathUtils.validatePath) and for '%' itself.
/// </summary>
internal static class ZooKeeperPaths
{
    private const string Root = "/openstack";

    /// <summary>The nodes a write into <paramref name="table"/> needs, parents first (only the journal's when null).</summary>
    public static IEnumerable<string> Ancestors(string? table, string? topic)
    {
        yield return Root;
        yield return Changes;
        if (table is null)
        {
            yield break;
        }
        yield return Table(table);
        yield return $"{Root}/.topic-of";
        yield return TopicOfTable(table);
        yield return $"{Root}/.topic";
        yield return $"{Root}/.topic/{table}";
        if (topic is not null)
        {
            yield return TopicIndexDir(table, topic);
        }
    }

    /// <summary>The change journal: one sequential node per write (see ZooKeeperNbDriver.Watch.cs).</summary>
    public const string Changes = Root + "/.changes";

    public const string ChangePrefix = "c-";

    /// <summary>The sequence number of a journal node name, or null for other names.</summary>
    public static long? ChangeSequence(string name) =>
        name.StartsWith(ChangePrefix, StringComparison.Ordinal) && long.TryParse(name.AsSpan(ChangePrefix.Length), out var n) ? n : null;

    /// <summary>The table node; its data version counts deletes in the table (see ZooKeeperNbDriver).</summary>
    public static string Table(string table) => $"{Root}/{table}";

    public static string Value(string table, string id) => $"{Root}/{table}/{Encode(id)}";

    public static string TopicOfTable(string table) => $"{Root}/.topic-of/{table}";

    public static string TopicOf(string table, string id) => $"{TopicOfTable(table)}/{Encode(id)}";

    public static string TopicIndexDir(string table, string topic) => $"{Root}/.topic/{table}/{Encode(topic)}";

    public static string TopicIndex(string table, string topic, string id) => $"{TopicIndexDir(table, topic)}/{Encode(id)}";

    public static string Encode(string name)
    {
        if (name is "." or ".." || name.Length == 0)
        {
            return string.Concat(name.Select(c => $"%{(int)c:X2}"));
        }
        var sb = new StringBuilder(name.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in name.EnumerateRunes())
        {
            if (Allowed(rune))
            {
                sb.Append(rune.ToString());
                continue;
            }
            var n = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..n])
            {
                sb.Append('%').Append(b.ToString("X2"));
            }
        }
        return sb.ToString();
    }

    /// <summary>The id or topic a node name stands for, or null for names this driver did not write.</summary>
    public static string? Decode(string name)
    {
        try
        {
            return Uri.UnescapeDataString(name);
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    private static bool Allowed(Rune r) => r.Value switch
    {
        '/' or '%' => false,
        <= 0x1f => false,
        >= 0x7f and <= 0x9f => false,
        >= 0xe000 and <= 0xf8ff => false,
        >= 0xfff0 => false, // also every rune outside the BMP: ZooKeeper refuses surrogate chars
        _ => true,
    };
}
