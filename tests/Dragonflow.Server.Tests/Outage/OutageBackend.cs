using System.Diagnostics;
using Dragonflow.NorthDb.Drivers;
using Dragonflow.NorthDb.Drivers.Etcd;
using Dragonflow.NorthDb.Drivers.Redis;
using Dragonflow.NorthDb.Drivers.ZooKeeper;
using Dragonflow.Testing.Backends;

namespace Dragonflow.Server.Tests;

/// <summary>
/// A real NB server that a test can take away and bring back: redis is paused (SIGSTOP: it keeps
/// nothing on disk, so a restart would lose the data; every call times out instead), etcd and
/// zookeeper are killed and restarted on the same ports and data.
/// </summary>
sealed class OutageBackend : IDisposable
{
    readonly IDisposable _server;
    readonly Action _goAway;
    readonly Action _comeBack;
    int _away;

    OutageBackend(IDisposable server, Action goAway, Action comeBack)
    {
        _server = server;
        _goAway = goAway;
        _comeBack = comeBack;
    }

    public required string Name { get; init; }

    /// <summary>A new driver on the server, with short timeouts so an outage is answered quickly.</summary>
    public required Func<INbDriver> Connect { get; init; }

    public static OutageBackend Start(string name)
    {
        switch (name)
        {
            case "redis":
                var redis = new RedisServer();
                var pid = redis.Pid!.Value;
                return new OutageBackend(redis, () => Signal(pid, "STOP"), () => Signal(pid, "CONT"))
                {
                    Name = name,
                    Connect = () => ConnectRedis(redis),
                };
            case "etcd":
                var etcd = new EtcdServer();
                return new OutageBackend(etcd, etcd.Stop, etcd.Start)
                {
                    Name = name,
                    Connect = () => new EtcdNbDriver([etcd.Endpoint], TimeSpan.FromSeconds(2)),
                };
            case "zookeeper":
                var zk = new ZooKeeperServer();
                return new OutageBackend(zk, zk.Stop, zk.Start)
                {
                    Name = name,
                    Connect = () => new ZooKeeperNbDriver([zk.Endpoint], TimeSpan.FromSeconds(2)),
                };
            default:
                throw new ArgumentException(name);
        }
    }

    /// <summary>
    /// A redis driver with outage timeouts: 2 s to connect, 1.5 s per call — quick enough for an
    /// outage, not so short that a busy machine's slow answer passes for one.
    /// </summary>
    public static RedisNbDriver ConnectRedis(RedisServer redis) =>
        new([redis.Endpoint], TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(1500));

    /// <summary>Waits until a new client's first connection is up (it may take a while on a busy machine).</summary>
    public async Task WaitUntilAnsweringAsync(INbDriver driver)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await driver.ListIdsAsync("chassis");
                return;
            }
            catch (Dragonflow.NorthDb.NbBackendUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public void GoAway()
    {
        if (Interlocked.Exchange(ref _away, 1) == 0)
            _goAway();
    }

    public void ComeBack()
    {
        if (Interlocked.Exchange(ref _away, 0) == 1)
            _comeBack();
    }

    static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString()]);
        kill.WaitForExit();
    }

    public void Dispose() => _server.Dispose();
}
