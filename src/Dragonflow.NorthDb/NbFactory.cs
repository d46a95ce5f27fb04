using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Etcd;
using Dragonflow.NorthDb.Drivers.Redis;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.NorthDb.Drivers.ZooKeeper;
using Dragonflow.NorthDb.Observability;
using Dragonflow.NorthDb.PubSub;
using Dragonflow.NorthDb.PubSub.Redis;
using Dragonflow.NorthDb.PubSub.Watch;
using Dragonflow.NorthDb.PubSub.Zmq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.NorthDb;

/// <summary>
/// Builds NB drivers and pub/sub transports by name from <see cref="NbOptions"/>. Drivers for
/// etcd, redis, zookeeper and ovsdb register here as they are written.
/// </summary>
public static class NbFactory
{
    /// <summary>Every nb_db_class name the project defines, implemented or not yet.</summary>
    public static IReadOnlyList<string> KnownDrivers { get; } = ["sqlite", "etcd", "redis", "zookeeper", "ovsdb"];

    /// <summary>Every pub_sub_driver name the project defines.</summary>
    public static IReadOnlyList<string> KnownPubSubDrivers { get; } = ["zmq", "redis", "etcd"];

    private static readonly Dictionary<string, Func<NbOptions, ILoggerFactory, INbDriver>> Drivers = new(StringComparer.Ordinal)
    {
        ["sqlite"] = (o, _) => new SqliteNbDriver(o.NbDbPath, o.SqliteBusyTimeout),
        ["redis"] = (o, _) => new RedisNbDriver(o.RemoteDbHosts),
        ["etcd"] = (o, _) => new EtcdNbDriver(o.RemoteDbHosts),
        ["zookeeper"] = (o, lf) => new ZooKeeperNbDriver(o.RemoteDbHosts, logger: lf.CreateLogger<ZooKeeperNbDriver>()),
    };

    private static readonly Dictionary<string, (Func<NbOptions, ILoggerFactory, INbPublisher> Publisher, Func<NbOptions, NbApi, ILoggerFactory, INbSubscriber> Subscriber)> PubSub =
        new(StringComparer.Ordinal)
        {
            ["zmq"] = (
                (o, lf) => new ZmqNbPublisher(o.PublisherBindAddress, o.PublisherPort, o.PublisherAdvertiseAddress, lf.CreateLogger<ZmqNbPublisher>()),
                (o, api, lf) => new ZmqNbSubscriber(api, o.SubscriberPollInterval, lf.CreateLogger<ZmqNbSubscriber>())),
            ["redis"] = (
                (o, _) => new RedisNbPublisher(o.RemoteDbHosts),
                (o, _, lf) => new RedisNbSubscriber(o.RemoteDbHosts, lf.CreateLogger<RedisNbSubscriber>())),
            // The database's own watch carries the updates: writers publish nothing more.
            ["etcd"] = (
                (_, _) => new NullNbPublisher(),
                (o, api, lf) => api.Driver is INbWatchableDriver watchable
                    ? new WatchNbSubscriber(watchable, lf.CreateLogger<WatchNbSubscriber>())
                    : throw new NbConfigurationException($"pub_sub_driver etcd needs nb_db_class etcd (it is {o.NbDbClass})")),
        };

    /// <summary>The driver named by nb_db_class; <see cref="NbConfigurationException"/> for unknown or not yet available names.</summary>
    public static INbDriver CreateDriver(NbOptions options, ILoggerFactory? loggerFactory = null)
    {
        var name = options.NbDbClass.Trim().ToLowerInvariant();
        if (Drivers.TryGetValue(name, out var create))
        {
            return create(options, loggerFactory ?? NullLoggerFactory.Instance);
        }
        throw new NbConfigurationException(KnownDrivers.Contains(name)
            ? $"nb_db_class '{name}' is not available in this build yet (available: {string.Join(", ", Drivers.Keys)})"
            : $"unknown nb_db_class '{options.NbDbClass}' (known: {string.Join(", ", KnownDrivers)})");
    }

    /// <summary>An unstarted publisher for pub_sub_driver, or a <see cref="NullNbPublisher"/> when pub/sub is off.</summary>
    public static INbPublisher CreatePublisher(NbOptions options, ILoggerFactory? loggerFactory = null) =>
        options.EnableDfPubSub
            ? PubSubDriver(options).Publisher(options, loggerFactory ?? NullLoggerFactory.Instance)
            : new NullNbPublisher();

    /// <summary>An unstarted subscriber for pub_sub_driver that follows the publisher table through <paramref name="api"/>.</summary>
    public static INbSubscriber CreateSubscriber(NbOptions options, NbApi api, ILoggerFactory? loggerFactory = null)
    {
        if (!options.EnableDfPubSub)
        {
            throw new NbConfigurationException("enable_df_pub_sub is false: there is nothing to subscribe to");
        }
        var subscriber = PubSubDriver(options).Subscriber(options, api, loggerFactory ?? NullLoggerFactory.Instance);
        NbMetrics.Observe(subscriber, options.PubSubDriver.Trim().ToLowerInvariant());
        return subscriber;
    }

    /// <summary>
    /// Opens the NB API. With <paramref name="publish"/> (the API server; any long-lived writer)
    /// the publisher is started and registered in the publisher table, and the returned NbApi
    /// owns and disposes driver, publisher and registration. Without it (the db CLI, readers)
    /// writes are not published.
    /// </summary>
    public static async Task<NbApi> OpenAsync(NbOptions options, bool publish, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var lf = loggerFactory ?? NullLoggerFactory.Instance;
        var driver = CreateDriver(options, lf);
        INbPublisher publisher = publish ? CreatePublisher(options, lf) : new NullNbPublisher();
        var api = new NbApi(driver, publisher, lf.CreateLogger<NbApi>());
        api.Own(driver);
        api.Own(publisher);
        try
        {
            publisher.Start();
            if (publisher.Uri is not null)
            {
                var registration = new PublisherRegistration(api, publisher, options.PublisherRefreshInterval, options.PublisherTimeout, lf.CreateLogger<PublisherRegistration>());
                await registration.StartAsync(cancellationToken);
                api.Own(registration);
            }
            return api;
        }
        catch
        {
            api.Dispose();
            throw;
        }
    }

    private static (Func<NbOptions, ILoggerFactory, INbPublisher> Publisher, Func<NbOptions, NbApi, ILoggerFactory, INbSubscriber> Subscriber) PubSubDriver(NbOptions options)
    {
        var name = options.PubSubDriver.Trim().ToLowerInvariant();
        if (PubSub.TryGetValue(name, out var pair))
        {
            return pair;
        }
        throw new NbConfigurationException(KnownPubSubDrivers.Contains(name)
            ? $"pub_sub_driver '{name}' is not available in this build yet (available: {string.Join(", ", PubSub.Keys)})"
            : $"unknown pub_sub_driver '{options.PubSubDriver}' (known: {string.Join(", ", KnownPubSubDrivers)})");
    }
}
