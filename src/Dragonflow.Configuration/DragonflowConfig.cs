namespace Dragonflow.Configuration;

/// <summary>
/// The validated configuration of one process. Every value has passed its option's check, so the
/// typed accessors below cannot fail on a value that came from outside.
/// </summary>
public sealed class DragonflowConfig(
    IReadOnlyDictionary<string, string> values, IReadOnlyList<string> warnings, string? file)
{
    /// <summary>Unknown options that were ignored, one sentence each.</summary>
    public IReadOnlyList<string> Warnings { get; } = warnings;

    public string? File { get; } = file;

    public string? Get(string section, string name) => values.GetValueOrDefault($"{section}.{name}");

    public string GetRequired(string section, string name) =>
        Get(section, name) ?? throw new ConfigException($"option [{section}] {name} must be set");

    public int GetInt(string section, string name) => int.Parse(GetRequired(section, name));

    public bool GetBool(string section, string name) => OptionValidator.ParseBoolean(GetRequired(section, name))!.Value;

    public IReadOnlyList<string> GetList(string section, string name) =>
        Get(section, name) is { } v ? OptionValidator.SplitList(v) : [];

    public bool Debug => GetBool(OptionCatalog.Default, "debug");
    public string LogFormat => GetRequired(OptionCatalog.Default, "log_format");

    public string Host => Get(OptionCatalog.Df, "host") ?? Environment.MachineName;
    public string NbDbClass => GetRequired(OptionCatalog.Df, "nb_db_class");
    public string NbDbPath => GetRequired(OptionCatalog.Df, "nb_db_path");
    public IReadOnlyList<string> RemoteDbHosts => GetList(OptionCatalog.Df, "remote_db_hosts");
    public bool EnablePubSub => GetBool(OptionCatalog.Df, "enable_df_pub_sub");
    public string PubSubDriver => GetRequired(OptionCatalog.Df, "pub_sub_driver");
    public int PublisherPort => GetInt(OptionCatalog.Df, "publisher_port");
    public string PublisherBindAddress => GetRequired(OptionCatalog.Df, "publisher_bind_address");
    public TimeSpan PublisherTimeout => TimeSpan.FromSeconds(GetInt(OptionCatalog.Df, "publisher_timeout"));
    public IReadOnlyList<string> AppsList => GetList(OptionCatalog.Df, "apps_list");
    public IReadOnlyList<string> TunnelTypes => GetList(OptionCatalog.Df, "tunnel_types");
    public string LocalIp => GetRequired(OptionCatalog.Df, "local_ip");
    public string ManagementIp => GetRequired(OptionCatalog.Df, "management_ip");
    public string IntegrationBridge => GetRequired(OptionCatalog.Df, "integration_bridge");
    public string ExternalBridge => GetRequired(OptionCatalog.Df, "external_bridge");
    public IReadOnlyList<string> BridgeMappings => GetList(OptionCatalog.Df, "bridge_mappings");
    public bool EnableChassisAsGateway => GetBool(OptionCatalog.Df, "enable_chassis_as_gateway");
    public string DatapathType => GetRequired(OptionCatalog.Df, "datapath_type");
    public string OvsdbConnection => GetRequired(OptionCatalog.Df, "ovsdb_connection");
    public string OfListen => GetRequired(OptionCatalog.Df, "of_listen");
    public string? MetricsListen => Get(OptionCatalog.Df, "metrics_listen") is { Length: > 0 } v ? v : null;
    public string NovaMetadataHost => GetRequired(OptionCatalog.Df, "nova_metadata_host");
    public int NovaMetadataPort => GetInt(OptionCatalog.Df, "nova_metadata_port");
    public string NovaMetadataProtocol => GetRequired(OptionCatalog.Df, "nova_metadata_protocol");
    public string MetadataProxySharedSecret => Get(OptionCatalog.Df, "metadata_proxy_shared_secret") ?? "";
    public string MetadataNamespace => Get(OptionCatalog.Df, "metadata_namespace") ?? "";
    public string DnsDomain => GetRequired(OptionCatalog.Df, "dns_domain");
    public TimeSpan ReportInterval => TimeSpan.FromSeconds(GetInt(OptionCatalog.Df, "report_interval"));

    public IReadOnlyList<string> NetworkVlanRanges => GetList(OptionCatalog.Ml2TypeVlan, "network_vlan_ranges");

    /// <summary>[quotas] quota_X: the default limit of each resource (-1 = unlimited).</summary>
    public IReadOnlyDictionary<string, int> QuotaDefaults =>
        OptionCatalog.QuotaDefaults.ToDictionary(q => q.Resource, q => GetInt(OptionCatalog.Quotas, "quota_" + q.Resource));

    public string ApiBind => GetRequired(OptionCatalog.Api, "bind");
    public string AuthStrategy => GetRequired(OptionCatalog.Api, "auth_strategy");
    public string? TokenFile => Get(OptionCatalog.Api, "token_file");
}
