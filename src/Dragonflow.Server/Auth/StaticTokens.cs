namespace Dragonflow.Server.Auth;

/// <summary>What a static token grants: a project and a role (admin or member).</summary>
public sealed record TokenGrant(string ProjectId, bool IsAdmin);

/// <summary>
/// The token file of <c>[api] auth_strategy = token</c>: one <c>TOKEN PROJECT_ID ROLE</c> per line,
/// role <c>admin</c> or <c>member</c>, blank lines and <c>#</c> comments ignored.
/// </summary>
public sealed class StaticTokens
{
    readonly Dictionary<string, TokenGrant> _grants;

    StaticTokens(Dictionary<string, TokenGrant> grants) => _grants = grants;

    public int Count => _grants.Count;

    public TokenGrant? Find(string? token) =>
        token is not null && _grants.TryGetValue(token, out var grant) ? grant : null;

    public static StaticTokens Load(string path) => Parse(File.ReadAllText(path), path);

    /// <exception cref="FormatException">A line that is not TOKEN PROJECT ROLE, an unknown role, or a repeated token.</exception>
    public static StaticTokens Parse(string text, string source = "token file")
    {
        var grants = new Dictionary<string, TokenGrant>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3)
                throw new FormatException($"{source}:{number}: expected 'TOKEN PROJECT_ID ROLE'");
            var admin = parts[2].ToLowerInvariant() switch
            {
                "admin" => true,
                "member" => false,
                _ => throw new FormatException($"{source}:{number}: role must be admin or member, not '{parts[2]}'"),
            };
            if (!grants.TryAdd(parts[0], new TokenGrant(parts[1], admin)))
                throw new FormatException($"{source}:{number}: token repeated");
        }
        return new StaticTokens(grants);
    }
}
