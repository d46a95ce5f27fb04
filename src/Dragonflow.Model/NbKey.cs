using System.Diagnostics.CodeAnalysis;

namespace Dragonflow.Model;

/// <summary>The NB key layout <c>/openstack/&lt;table&gt;/&lt;id&gt;</c> shared by every driver.</summary>
public static class NbKey
{
    public const string Root = "/openstack/";

    public static string For(string table, string id) => string.Concat(Root, table, "/", id);

    public static string TablePrefix(string table) => string.Concat(Root, table, "/");

    public static bool TryParse(string key, [NotNullWhen(true)] out string? table, [NotNullWhen(true)] out string? id)
    {
        table = id = null;
        if (!key.StartsWith(Root, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = key.AsSpan(Root.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1)
        {
            return false;
        }
        table = rest[..slash].ToString();
        id = rest[(slash + 1)..].ToString();
        return true;
    }

    /// <summary>Table names are lower-case words; ids may be anything but empty or contain '/'.</summary>
    public static bool IsValidTableName(string table) =>
        table.Length > 0 && table.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    public static bool IsValidId(string id) => id.Length > 0 && !id.Contains('/');
}
