using StackExchange.Redis;

namespace Dragonflow.NorthDb.Drivers.Redis;

/// <summary>Connects to the redis servers of remote_db_hosts the way every Dragonflow redis client does.</summary>
internal static class RedisConnection
{
    public static ConnectionMultiplexer Open(IReadOnlyList<string> hosts, string clientName,
        TimeSpan? connectTimeout = null, TimeSpan? operationTimeout = null)
    {
        if (hosts.Count == 0)
        {
            throw new NbConfigurationException("redis: remote_db_hosts is empty");
        }
        var operation = (int)(operationTimeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds;
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = (int)(connectTimeout ?? TimeSpan.FromSeconds(2)).TotalMilliseconds,
            ConnectRetry = 1,
            SyncTimeout = operation,
            AsyncTimeout = operation,
            BacklogPolicy = BacklogPolicy.FailFast,
            // Retry every half second rather than backing off exponentially: an NB server coming
            // back should be used within a second, and one loopback connect attempt is cheap.
            ReconnectRetryPolicy = new LinearRetry(500),
            ClientName = clientName,
        };
        foreach (var host in hosts)
        {
            options.EndPoints.Add(host);
        }
        try
        {
            return ConnectionMultiplexer.Connect(options);
        }
        catch (Exception e) when (e is RedisException or ArgumentException)
        {
            throw new NbBackendUnavailableException("redis", $"{string.Join(",", hosts)}: {e.Message}", e);
        }
    }
}
