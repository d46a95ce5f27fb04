namespace Dragonflow.Configuration;

/// <summary>
/// Every option Dragonflow understands. Names follow upstream Dragonflow's `[df]` options
/// where one exists, so an operator's existing dragonflow.ini keeps its meaning.
/// </summary>
public static class OptionCatalog
{
    public const string Df = "df";
    public const string Api = "api";
    public const string Default = "DEFAULT";
    public const string KeystoneAuthtoken = "keystone_authtoken";
    public const string Ml2TypeVlan = "ml2_type_vlan";
    public const string Quotas = "quotas";

    /// <summary>Neutron's quota options ([quotas] quota_X) with Neutron's defaults; -1 is unlimited.</summary>
    public static readonly IReadOnlyList<(string Resource, int Default)> QuotaDefaults =
    [
        ("network", 100), ("subnet", 100), ("subnetpool", -1), ("port", 500), ("router", 10), ("floatingip", 50),
        ("rbac_policy", 10), ("security_group", 10), ("security_group_rule", 100),
    ];

    /// <summary>The controller apps of <c>[df] apps_list</c> by default.</summary>
    public static readonly IReadOnlyList<string> DefaultAppsList = ["l2", "l3_proactive", "dhcp", "dnat", "sg", "portsec", "aging", "tunneling", "provider"];

    static readonly Dictionary<string, string> DbDriverAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["dragonflow.db.drivers.etcd_db_driver.EtcdDbDriver"] = "etcd",
        ["etcd_nb_db_driver"] = "etcd",
        ["dragonflow.db.drivers.redis_db_driver.RedisDbDriver"] = "redis",
        ["redis_nb_db_driver"] = "redis",
        ["dragonflow.db.drivers.zookeeper_db_driver.ZookeeperDbDriver"] = "zookeeper",
        ["zookeeper_nb_db_driver"] = "zookeeper",
        ["dragonflow.db.drivers.ovsdb_db_driver.OvsdbDbDriver"] = "ovsdb",
        ["ovsdb_nb_db_driver"] = "ovsdb",
    };

    static readonly Dictionary<string, string> PubSubAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["zmq_pubsub_driver"] = "zmq",
        ["zmq_pubsub_multiproc_driver"] = "zmq",
        ["redis_db_pubsub_driver"] = "redis",
        ["etcd_pubsub_driver"] = "etcd",
    };

    public static readonly IReadOnlyList<OptionDefinition> All =
    [
        new(Default, "debug", OptionKind.Boolean, "false", "Log at debug level."),
        new(Default, "log_format", OptionKind.Choice, "text", "Console log format.", ["text", "json"]),

        new(Df, "host", OptionKind.String, null, "This chassis' name (defaults to the machine's host name)."),
        new(Df, "nb_db_class", OptionKind.Choice, "sqlite", "Northbound database driver.",
            ["sqlite", "etcd", "redis", "zookeeper", "ovsdb"], Aliases: DbDriverAliases),
        new(Df, "nb_db_path", OptionKind.String, "/var/lib/dragonflow/nb.db", "File of the sqlite northbound database."),
        new(Df, "remote_db_hosts", OptionKind.EndpointList, "127.0.0.1:2379", "host:port list of a networked northbound database."),
        new(Df, "enable_df_pub_sub", OptionKind.Boolean, "true", "Publish every northbound write to the controllers."),
        new(Df, "pub_sub_driver", OptionKind.Choice, "zmq", "Pub/sub transport.", ["zmq", "redis", "etcd"], Aliases: PubSubAliases),
        new(Df, "publisher_port", OptionKind.Integer, "8866", "Port of this server's publisher socket (0 = any free port).", Min: 0, Max: 65535),
        new(Df, "publisher_bind_address", OptionKind.String, "127.0.0.1", "Address the publisher socket binds ('*' = all)."),
        new(Df, "publisher_timeout", OptionKind.Integer, "300", "Seconds after which a silent publisher is considered gone.", Min: 1),
        new(Df, "apps_list", OptionKind.List, string.Join(',', DefaultAppsList), "Controller apps to run."),
        new(Df, "tunnel_types", OptionKind.List, "geneve", "Tunnel encapsulations to offer (geneve, vxlan)."),
        new(Df, "local_ip", OptionKind.IpAddress, "127.0.0.1", "This chassis' tunnel endpoint address."),
        new(Df, "management_ip", OptionKind.IpAddress, "127.0.0.1", "Address other services use to reach this node."),
        new(Df, "integration_bridge", OptionKind.String, "br-int", "OVS bridge the VMs are plugged into."),
        new(Df, "external_bridge", OptionKind.String, "br-ex", "OVS bridge that carries external (floating IP) traffic."),
        new(Df, "bridge_mappings", OptionKind.List, "public:br-ex", "physical_network:bridge pairs."),
        new(Df, "enable_chassis_as_gateway", OptionKind.Boolean, "false", "Offer this chassis as a gateway that SNATs routers' outbound traffic (with a mapping for the external network)."),
        new(Df, "datapath_type", OptionKind.Choice, "system", "OVS datapath of the bridges the controller creates.", ["system", "netdev"]),
        new(Df, "ovsdb_connection", OptionKind.Connection, "unix:/var/run/openvswitch/db.sock", "Where the local ovsdb-server listens."),
        new(Df, "of_listen", OptionKind.Connection, "tcp:127.0.0.1:6653", "Where the controller listens for OpenFlow connections from the switch."),
        new(Df, "metrics_listen", OptionKind.Endpoint, null,
            "host:port where the controller serves Prometheus metrics at /metrics (port 0 = any free port, logged at start; unset = no listener; the server serves /metrics on its API port)."),
        new(Df, "dns_domain", OptionKind.String, "openstacklocal", "Domain name the VMs get over DHCP (option 15; empty = none)."),
        new(Df, "nova_metadata_host", OptionKind.String, "127.0.0.1", "Host of Nova's metadata API, where the metadata proxy forwards the VMs' requests."),
        new(Df, "nova_metadata_port", OptionKind.Integer, "8775", "Port of Nova's metadata API.", Min: 1, Max: 65535),
        new(Df, "nova_metadata_protocol", OptionKind.Choice, "http", "Protocol of Nova's metadata API.", ["http", "https"]),
        new(Df, "metadata_proxy_shared_secret", OptionKind.String, "",
            "Secret shared with Nova ([neutron] metadata_proxy_shared_secret there): the proxy signs X-Instance-ID with it (HMAC-SHA256).", Secret: true),
        new(Df, "metadata_namespace", OptionKind.String, "",
            "Network namespace (a name under /var/run/netns) of this chassis' Open vSwitch, where the metadata proxy listens; empty = the controller's own."),
        new(Df, "report_interval", OptionKind.Integer, "10", "Seconds between the controller's heartbeats in its chassis row (down after 3 missed).", Min: 1),

        new(Ml2TypeVlan, "network_vlan_ranges", OptionKind.List, "",
            "physical_network:min:max entries: a VLAN network created without provider:segmentation_id takes its id from its physical network's range."),

        .. QuotaDefaults.Select(q => new OptionDefinition(Quotas, "quota_" + q.Resource, OptionKind.Integer, q.Default.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"How many {q.Resource} objects a project may have unless an admin set its own limit (-1 = unlimited).", Min: -1)),

        new(Api, "bind", OptionKind.Endpoint, "127.0.0.1:9696", "Address and port of the Neutron API."),
        new(Api, "auth_strategy", OptionKind.Choice, "noauth",
            "noauth, token (static tokens from token_file) or keystone (tokens validated by Keystone, see [keystone_authtoken]).",
            ["noauth", "token", "keystone"]),
        new(Api, "token_file", OptionKind.String, null, "File of 'token project_id role' lines for auth_strategy = token."),

        // keystonemiddleware's names, so a neutron.conf's [keystone_authtoken] can be reused.
        new(KeystoneAuthtoken, "www_authenticate_uri", OptionKind.Url, null,
            "Keystone's public URL, named to clients in WWW-Authenticate on a 401 (defaults to auth_url)."),
        new(KeystoneAuthtoken, "auth_url", OptionKind.Url, null,
            "Keystone URL the server authenticates at and validates tokens with (e.g. http://keystone:5000/v3); required for auth_strategy = keystone."),
        new(KeystoneAuthtoken, "auth_type", OptionKind.Choice, "password", "How the server authenticates itself to Keystone.", ["password"]),
        new(KeystoneAuthtoken, "username", OptionKind.String, null, "The server's service user; required for auth_strategy = keystone."),
        new(KeystoneAuthtoken, "password", OptionKind.String, null, "The service user's password; required for auth_strategy = keystone.", Secret: true),
        new(KeystoneAuthtoken, "project_name", OptionKind.String, null, "Project the service token is scoped to (e.g. service); required for auth_strategy = keystone."),
        new(KeystoneAuthtoken, "user_domain_name", OptionKind.String, "Default", "Domain of the service user."),
        new(KeystoneAuthtoken, "project_domain_name", OptionKind.String, "Default", "Domain of project_name."),
        new(KeystoneAuthtoken, "region_name", OptionKind.String, null,
            "Region of Keystone's identity endpoint; when set, a service token whose catalog has no identity endpoint there is logged as a warning."),
        new(KeystoneAuthtoken, "token_cache_time", OptionKind.Integer, "300",
            "Seconds a validated token is trusted without asking Keystone again (never past its expiry; 0 = ask every time).", Min: 0),
        new(KeystoneAuthtoken, "cafile", OptionKind.String, null, "PEM bundle of the CAs that sign Keystone's HTTPS certificate (default: the system's)."),
        new(KeystoneAuthtoken, "insecure", OptionKind.Boolean, "false", "Accept any HTTPS certificate from Keystone (testing only)."),
    ];

    static readonly Dictionary<string, OptionDefinition> ByKey =
        All.ToDictionary(o => o.Key, StringComparer.OrdinalIgnoreCase);

    public static OptionDefinition? Find(string section, string name) =>
        ByKey.GetValueOrDefault($"{section}.{name}");
}
