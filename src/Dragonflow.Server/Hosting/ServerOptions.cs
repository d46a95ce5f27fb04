namespace Dragonflow.Server.Hosting;

/// <summary>What the API server needs from the configuration.</summary>
public sealed record ServerOptions
{
    /// <summary>host:port (IPv6 in brackets); port 0 picks a free one.</summary>
    public string Bind { get; init; } = "127.0.0.1:9696";

    /// <summary>noauth (the project comes from X-Project-Id, else <see cref="DefaultProject"/>), token or keystone.</summary>
    public string AuthStrategy { get; init; } = "noauth";

    /// <summary>The tokens of auth_strategy = token (required then; ignored with noauth).</summary>
    public Auth.StaticTokens? Tokens { get; init; }

    /// <summary>The [keystone_authtoken] settings of auth_strategy = keystone (required then).</summary>
    public Auth.KeystoneSettings? Keystone { get; init; }

    public string DefaultProject { get; init; } = "admin";

    /// <summary>provider:network_type of networks created without one (the first of tunnel_types).</summary>
    public string DefaultNetworkType { get; init; } = "vxlan";

    /// <summary>[ml2_type_vlan] network_vlan_ranges: "physnet:min:max" entries; VLAN ids allocated per physical network.</summary>
    public IReadOnlyList<string> NetworkVlanRanges { get; init; } = [];

    /// <summary>[quotas] quota_X: each resource's limit for a project without its own (-1 = unlimited); a resource not named is unlimited.</summary>
    public IReadOnlyDictionary<string, int> QuotaDefaults { get; init; } =
        Configuration.OptionCatalog.QuotaDefaults.ToDictionary(q => q.Resource, q => q.Default);
}
