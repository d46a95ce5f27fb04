namespace Dragonflow.NorthDb;

/// <summary>
/// What the NB layer needs from configuration, as plain values (the CLI maps the [df] INI
/// options onto this; names in comments).
/// </summary>
public sealed record NbOptions
{
    /// <summary>nb_db_class: sqlite, etcd, redis, zookeeper, ovsdb.</summary>
    public string NbDbClass { get; init; } = "sqlite";

    /// <summary>nb_db_path: the sqlite file.</summary>
    public string NbDbPath { get; init; } = "/var/lib/dragonflow/nb.db";

    /// <summary>remote_db_hosts: host:port list of a networked NB database.</summary>
    public IReadOnlyList<string> RemoteDbHosts { get; init; } = ["127.0.0.1:2379"];

    /// <summary>enable_df_pub_sub.</summary>
    public bool EnableDfPubSub { get; init; } = true;

    /// <summary>pub_sub_driver: zmq (redis, etcd later).</summary>
    public string PubSubDriver { get; init; } = "zmq";

    /// <summary>publisher_port; 0 = any free port.</summary>
    public int PublisherPort { get; init; } = 8866;

    /// <summary>publisher_bind_address; "*" = all interfaces.</summary>
    public string PublisherBindAddress { get; init; } = "127.0.0.1";

    /// <summary>Address written into the publisher table (management_ip); defaults to the bind address.</summary>
    public string? PublisherAdvertiseAddress { get; init; }

    /// <summary>publisher_timeout: a publisher row older than this is removed.</summary>
    public TimeSpan PublisherTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How often a publisher refreshes its row.</summary>
    public TimeSpan PublisherRefreshInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a subscriber re-reads the publisher table.</summary>
    public TimeSpan SubscriberPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>sqlite: how long a writer waits for another process holding the lock.</summary>
    public TimeSpan SqliteBusyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
