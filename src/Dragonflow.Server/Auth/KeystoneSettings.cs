using Dragonflow.Configuration;

namespace Dragonflow.Server.Auth;

/// <summary>
/// The <c>[keystone_authtoken]</c> options of <c>auth_strategy = keystone</c>, checked together.
/// <see cref="AuthUrl"/> is Keystone's v3 API root (<c>.../v3</c>; a bare <c>http://host:5000</c> gets
/// <c>/v3</c> appended).
/// </summary>
public sealed record KeystoneSettings
{
    const string V3 = "v3";

    public required Uri AuthUrl { get; init; }

    /// <summary>Named to clients in the 401's <c>WWW-Authenticate: Keystone uri="..."</c>.</summary>
    public required string WwwAuthenticateUri { get; init; }

    public required string Username { get; init; }
    public required string Password { get; init; }
    public required string ProjectName { get; init; }
    public string UserDomainName { get; init; } = "Default";
    public string ProjectDomainName { get; init; } = "Default";
    public string? RegionName { get; init; }
    public TimeSpan TokenCacheTime { get; init; } = TimeSpan.FromMinutes(5);
    public string? CaFile { get; init; }
    public bool Insecure { get; init; }

    /// <summary>The v3 root with a trailing slash, so relative paths (<c>auth/tokens</c>) land under it.</summary>
    public Uri ApiRoot
    {
        get
        {
            var path = AuthUrl.AbsolutePath.TrimEnd('/');
            if (!path.EndsWith("/" + V3, StringComparison.Ordinal))
                path += "/" + V3;
            return new UriBuilder(AuthUrl) { Path = path + "/", Query = "" }.Uri;
        }
    }

    /// <exception cref="ConfigException">A required option is missing or cafile cannot be read.</exception>
    public static KeystoneSettings From(DragonflowConfig config)
    {
        string Required(string name) => config.Get(OptionCatalog.KeystoneAuthtoken, name) is { Length: > 0 } value
            ? value
            : throw new ConfigException($"option [{OptionCatalog.KeystoneAuthtoken}] {name} must be set for [{OptionCatalog.Api}] auth_strategy = keystone");
        string? Optional(string name) => config.Get(OptionCatalog.KeystoneAuthtoken, name) is { Length: > 0 } value ? value : null;

        var authUrl = Required("auth_url");
        var caFile = Optional("cafile");
        if (caFile is not null && !File.Exists(caFile))
            throw new ConfigException($"option [{OptionCatalog.KeystoneAuthtoken}] cafile: {caFile} not found");
        var settings = new KeystoneSettings
        {
            AuthUrl = new Uri(authUrl),
            WwwAuthenticateUri = Optional("www_authenticate_uri") ?? authUrl,
            Username = Required("username"),
            Password = Required("password"),
            ProjectName = Required("project_name"),
            UserDomainName = Required("user_domain_name"),
            ProjectDomainName = Required("project_domain_name"),
            RegionName = Optional("region_name"),
            TokenCacheTime = TimeSpan.FromSeconds(config.GetInt(OptionCatalog.KeystoneAuthtoken, "token_cache_time")),
            CaFile = caFile,
            Insecure = config.GetBool(OptionCatalog.KeystoneAuthtoken, "insecure"),
        };
        if (caFile is not null)
        {
            try
            {
                if (KeystoneHttp.LoadCaBundle(caFile).Count == 0)
                    throw new ConfigException($"option [{OptionCatalog.KeystoneAuthtoken}] cafile: {caFile} holds no PEM certificate");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new ConfigException($"option [{OptionCatalog.KeystoneAuthtoken}] cafile: {caFile} cannot be read: {e.Message}");
            }
        }
        return settings;
    }
}
