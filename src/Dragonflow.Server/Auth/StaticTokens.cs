namespace Dragonflow.Server.Auth;

/// <summary>
/// The token file of <c>[api] auth_strategy = token</c>: one <c>TOKEN PROJECT_ID ROLE [USER_ID]</c> per
/// line (role <c>admin</c>, <c>member</c> or <c>reader</c>; the user defaults to the project), blank lines
/// and <c>#</c> comments ignored. Roles imply the lesser ones, as Keystone's bootstrap makes them.
/// </summary>
public sealed class StaticTokens : IAuthenticator
{
    readonly Dictionary<string, Identity> _grants;

    StaticTokens(Dictionary<string, Identity> grants) => _grants = grants;

    public int Count => _grants.Count;

    public Identity? Find(string? token) =>
        token is not null && _grants.TryGetValue(token, out var grant) ? grant : null;

    public ValueTask<Identity?> AuthenticateAsync(string? token, CancellationToken cancellationToken) => ValueTask.FromResult(Find(token));

    public string? Challenge => null;

    public static StaticTokens Load(string path) => Parse(File.ReadAllText(path), path);

    /// <exception cref="FormatException">A line that is not TOKEN PROJECT ROLE, an unknown role, or a repeated token.</exception>
    public static StaticTokens Parse(string text, string source = "token file")
    {
        var grants = new Dictionary<string, Identity>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is < 3 or > 4)
                throw new FormatException($"{source}:{number}: expected 'TOKEN PROJECT_ID ROLE [USER_ID]'");
            string[] roles = parts[2].ToLowerInvariant() switch
            {
                Identity.AdminRole => [Identity.AdminRole, Identity.MemberRole, Identity.ReaderRole],
                Identity.MemberRole => [Identity.MemberRole, Identity.ReaderRole],
                Identity.ReaderRole => [Identity.ReaderRole],
                _ => throw new FormatException($"{source}:{number}: role must be admin, member or reader, not '{parts[2]}'"),
            };
            if (!grants.TryAdd(parts[0], Identity.Of(parts[1], parts.Length == 4 ? parts[3] : parts[1], roles)))
                throw new FormatException($"{source}:{number}: token repeated");
        }
        return new StaticTokens(grants);
    }
}
