using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Testing.Backends;

/// <summary>
/// A real three-member ZooKeeper ensemble (QuorumPeerMain) on loopback ports, each member with
/// its own data directory and myid, for one test class. Members can be killed and restarted.
/// </summary>
public sealed class ZooKeeperEnsemble : IDisposable
{
    public const int Size = 3;

    private readonly ScratchDirectory _dir = new("df-zk-ensemble-");
    private readonly ServerProcess?[] _members = new ServerProcess?[Size];
    private readonly int[] _clientPorts = new int[Size];

    public ZooKeeperEnsemble()
    {
        var servers = new List<string>();
        for (var i = 0; i < Size; i++)
        {
            _clientPorts[i] = LoopbackPort.Free();
            servers.Add($"server.{i + 1}=127.0.0.1:{LoopbackPort.Free()}:{LoopbackPort.Free()}");
        }
        for (var i = 0; i < Size; i++)
        {
            var data = Directory.CreateDirectory(System.IO.Path.Combine(_dir.Path, $"m{i + 1}")).FullName;
            File.WriteAllText(System.IO.Path.Combine(data, "myid"), $"{i + 1}\n");
            File.WriteAllText(Config(i), $"""
                tickTime=500
                initLimit=20
                syncLimit=10
                dataDir={data}
                clientPort={_clientPorts[i]}
                clientPortAddress=127.0.0.1
                maxClientCnxns=0
                admin.enableServer=false
                4lw.commands.whitelist=srvr
                {string.Join("\n", servers)}
                """);
        }
        try
        {
            for (var i = 0; i < Size; i++)
            {
                Start(i, wait: false);
            }
            WaitForQuorum(TimeSpan.FromSeconds(90));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>host:port of every member, as remote_db_hosts takes them.</summary>
    public IReadOnlyList<string> Endpoints => _clientPorts.Select(p => $"127.0.0.1:{p}").ToArray();

    public string Endpoint(int member) => $"127.0.0.1:{_clientPorts[member]}";

    /// <summary>The member that is leader now, or null during an election.</summary>
    public int? Leader() => Enumerable.Range(0, Size).Cast<int?>().FirstOrDefault(i => ZooKeeperJava.Mode(_clientPorts[i!.Value]) == "leader");

    public void Start(int member, bool wait = true)
    {
        if (_members[member] is { HasExited: false })
        {
            return;
        }
        _members[member]?.Dispose();
        _members[member] = ZooKeeperJava.Start("org.apache.zookeeper.server.quorum.QuorumPeerMain", Config(member), _dir.Path);
        if (wait)
        {
            _members[member]!.WaitUntil(() => ZooKeeperJava.Mode(_clientPorts[member]) is "leader" or "follower", TimeSpan.FromSeconds(60), $"zookeeper member {member + 1}");
        }
    }

    /// <summary>Kills a member (SIGKILL, as a crash).</summary>
    public void Kill(int member) => _members[member]?.Stop();

    public void WaitForQuorum(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var modes = Enumerable.Range(0, Size)
                .Where(i => _members[i] is { HasExited: false })
                .Select(i => ZooKeeperJava.Mode(_clientPorts[i]))
                .ToList();
            if (modes.Count(m => m == "leader") == 1 && modes.All(m => m is "leader" or "follower"))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                var output = string.Join("\n---\n", _members.Select(m => m?.Output ?? ""));
                throw new TimeoutException($"no quorum after {timeout}: modes {string.Join(",", modes)}\n{output}");
            }
            Thread.Sleep(100);
        }
    }

    private string Config(int member) => System.IO.Path.Combine(_dir.Path, $"zoo{member + 1}.cfg");

    public void Dispose()
    {
        foreach (var m in _members)
        {
            m?.Dispose();
        }
        _dir.Dispose();
    }
}
