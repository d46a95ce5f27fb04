using System.Text.Json;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Testing.Backends;

/// <summary>
/// A real three-member etcd cluster on loopback: each member has its own client and peer port
/// and data directory, and --initial-cluster names all three. A member can be killed (SIGKILL by
/// the pid we started) and started again on the same ports and data. The leader is found through
/// each member's Maintenance.Status over etcd's JSON gateway (POST /v3/maintenance/status).
/// </summary>
public sealed class EtcdCluster : IDisposable
{
    public const int Size = 3;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly ScratchDirectory _dir = new("df-etcd-cluster-");
    private readonly ServerProcess?[] _members = new ServerProcess?[Size];
    private readonly int[] _clientPorts = new int[Size];
    private readonly int[] _peerPorts = new int[Size];
    private readonly string _token = $"df-test-{Guid.NewGuid():N}";

    public EtcdCluster()
    {
        for (var i = 0; i < Size; i++)
        {
            _clientPorts[i] = LoopbackPort.Free();
            _peerPorts[i] = LoopbackPort.Free();
        }
        try
        {
            // The members wait for each other before they serve, so all start first, then all are awaited.
            for (var i = 0; i < Size; i++)
            {
                Launch(i, "new");
            }
            for (var i = 0; i < Size; i++)
            {
                WaitHealthy(i, TimeSpan.FromSeconds(60));
            }
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

    public int? Pid(int member) => _members[member] is { HasExited: false } p ? p.Pid : null;

    /// <summary>SIGKILL to the member's process (a crash), waiting until it is gone.</summary>
    public void Kill(int member) => _members[member]?.Stop();

    /// <summary>Starts a killed member again on its ports and data and waits until it is healthy.</summary>
    public void Start(int member)
    {
        if (_members[member] is { HasExited: false })
        {
            return;
        }
        Launch(member, "existing");
        WaitHealthy(member, TimeSpan.FromSeconds(60));
    }

    /// <summary>The index of the member that leads, as the running members report it; null if none knows one yet.</summary>
    public int? Leader()
    {
        for (var i = 0; i < Size; i++)
        {
            if (Pid(i) is null || Status(i) is not { } status || status.Leader == 0)
            {
                continue;
            }
            for (var j = 0; j < Size; j++)
            {
                if (Pid(j) is not null && Status(j)?.MemberId == status.Leader)
                {
                    return j;
                }
            }
        }
        return null;
    }

    /// <summary>Polls until a running member leads (after an election) and returns it.</summary>
    public int WaitForLeader(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Leader() is { } leader)
            {
                return leader;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no etcd leader within {timeout}");
            }
            Thread.Sleep(50);
        }
    }

    private void Launch(int i, string state)
    {
        _members[i]?.Dispose();
        var client = $"http://127.0.0.1:{_clientPorts[i]}";
        var peer = $"http://127.0.0.1:{_peerPorts[i]}";
        var cluster = string.Join(',', Enumerable.Range(0, Size).Select(j => $"m{j}=http://127.0.0.1:{_peerPorts[j]}"));
        _members[i] = ServerProcess.Start("/usr/bin/etcd",
        [
            "--name", $"m{i}",
            "--data-dir", System.IO.Path.Combine(_dir.Path, $"m{i}"),
            "--listen-client-urls", client,
            "--advertise-client-urls", client,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", cluster,
            "--initial-cluster-state", state,
            "--initial-cluster-token", _token,
            // Short heartbeats so a new leader is elected within about a second of a crash.
            "--heartbeat-interval", "100",
            "--election-timeout", "1000",
            "--log-level", "warn",
        ], _dir.Path);
    }

    private void WaitHealthy(int i, TimeSpan timeout) =>
        _members[i]!.WaitUntil(() => Healthy(i), timeout, $"etcd member m{i} on {Endpoint(i)}");

    private bool Healthy(int i)
    {
        try
        {
            var body = Http.GetStringAsync($"http://{Endpoint(i)}/health").GetAwaiter().GetResult();
            return body.Contains("\"health\":\"true\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Maintenance.Status of one member: its id and the leader it knows (uint64s, as strings in the JSON gateway).</summary>
    private (ulong MemberId, ulong Leader)? Status(int i)
    {
        try
        {
            using var response = Http.PostAsync($"http://{Endpoint(i)}/v3/maintenance/status", new StringContent("{}")).GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }
            using var doc = JsonDocument.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
            var root = doc.RootElement;
            var member = ulong.Parse(root.GetProperty("header").GetProperty("member_id").GetString()!);
            var leader = root.TryGetProperty("leader", out var l) ? ulong.Parse(l.GetString()!) : 0;
            return (member, leader);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var member in _members)
        {
            member?.Dispose();
        }
        _dir.Dispose();
    }
}
