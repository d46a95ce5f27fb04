using System.Text;
using Dragonflow.Model;
using Google.Protobuf;

namespace Dragonflow.NorthDb.Drivers.Etcd;

/// <summary>
/// The etcd key layout. The value is stored verbatim at /openstack/&lt;table&gt;/&lt;id&gt; (so
/// `etcdctl get` shows the JSON); two more keys are written in the same txn:
/// <list type="bullet">
/// <item>/openstack/.topic-of/&lt;table&gt;/&lt;id&gt; = the topic, so get and watch know it without parsing the value</item>
/// <item>/openstack/.topic/&lt;table&gt;/&lt;topic&gt;/&lt;id&gt; = "", the topic index listed by prefix</item>
/// </list>
/// Table names are [a-z0-9_], so the dot-names never collide with a table.
/// </summary>
internal static class EtcdKeys
{
    public static ByteString Value(string table, string id) => Bytes(NbKey.For(table, id));

    public static ByteString TopicOf(string table, string id) => Bytes($"{NbKey.Root}.topic-of/{table}/{id}");

    public static string TopicOfPrefix(string table) => $"{NbKey.Root}.topic-of/{table}/";

    public static ByteString TopicIndex(string table, string topic, string id) => Bytes($"{NbKey.Root}.topic/{table}/{topic}/{id}");

    public static string TopicIndexPrefix(string table, string topic) => $"{NbKey.Root}.topic/{table}/{topic}/";

    public static ByteString Bytes(string s) => ByteString.CopyFromUtf8(s);

    /// <summary>The range_end that makes [prefix, end) cover every key starting with prefix.</summary>
    public static ByteString PrefixEnd(string prefix)
    {
        var bytes = Encoding.UTF8.GetBytes(prefix);
        // Prefixes here end in '/', which never overflows when incremented.
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>The part of a key after <paramref name="prefix"/>, when it is a plain id (no further '/').</summary>
    public static string? IdAfter(ByteString key, string prefix)
    {
        var s = key.ToStringUtf8();
        if (!s.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var id = s[prefix.Length..];
        return NbKey.IsValidId(id) ? id : null;
    }
}
