using System.Collections.Concurrent;
using System.Text;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.ZooKeeper.Tests;

/// <summary>The client against a real ZooKeeper; each test works under its own root node.</summary>
public sealed class ZooKeeperClientTests(ZooKeeperServer server) : IClassFixture<ZooKeeperServer>, IAsyncLifetime
{
    private readonly string _root = $"/t-{Guid.NewGuid():N}";
    private ZooKeeperClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = await ZooKeeperClient.ConnectAsync(Options());
        await _client.CreateAsync(_root, Array.Empty<byte>());
    }

    public async Task DisposeAsync() => await _client.DisposeAsync();

    private ZooKeeperClientOptions Options(TimeSpan? sessionTimeout = null) =>
        new() { Hosts = [server.Endpoint], SessionTimeout = sessionTimeout ?? TimeSpan.FromSeconds(10) };

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task CreateGetSetWithVersionAndDelete()
    {
        var path = $"{_root}/n";
        var (created, stat0) = await _client.CreateAsync(path, Bytes("v0"));
        Assert.Equal(path, created);
        Assert.Equal(0, stat0.Version);

        var read = await _client.GetDataAsync(path);
        Assert.Equal("v0", Encoding.UTF8.GetString(read.Data));
        Assert.Equal(stat0.Mzxid, read.Stat.Mzxid);

        var stat1 = await _client.SetDataAsync(path, Bytes("v1"), version: 0);
        Assert.Equal(1, stat1.Version);
        Assert.True(stat1.Mzxid > stat0.Mzxid);
        await Assert.ThrowsAsync<ZooKeeperBadVersionException>(() => _client.SetDataAsync(path, Bytes("v2"), version: 0));
        await Assert.ThrowsAsync<ZooKeeperBadVersionException>(() => _client.DeleteAsync(path, version: 0));
        Assert.Equal("v1", Encoding.UTF8.GetString((await _client.GetDataAsync(path)).Data));

        await _client.DeleteAsync(path, version: 1);
        await Assert.ThrowsAsync<ZooKeeperNoNodeException>(() => _client.GetDataAsync(path));
    }

    [Fact]
    public async Task ErrorCodesBecomeTheirExceptions()
    {
        await _client.CreateAsync($"{_root}/a", Bytes(""));
        await _client.CreateAsync($"{_root}/a/b", Bytes(""));

        await Assert.ThrowsAsync<ZooKeeperNodeExistsException>(() => _client.CreateAsync($"{_root}/a", Bytes("")));
        await Assert.ThrowsAsync<ZooKeeperNoNodeException>(() => _client.CreateAsync($"{_root}/missing/child", Bytes("")));
        await Assert.ThrowsAsync<ZooKeeperNotEmptyException>(() => _client.DeleteAsync($"{_root}/a"));
        var e = await Assert.ThrowsAsync<ZooKeeperNoNodeException>(() => _client.DeleteAsync($"{_root}/nope"));
        Assert.Equal(ZooKeeperErrorCode.NoNode, e.Code);
        Assert.Equal($"{_root}/nope", e.Path);
    }

    [Fact]
    public async Task SequentialNodesGetAnIncreasingTenDigitSuffix()
    {
        var (first, _) = await _client.CreateAsync($"{_root}/q-", Bytes("1"), CreateMode.PersistentSequential);
        var (second, _) = await _client.CreateAsync($"{_root}/q-", Bytes("2"), CreateMode.PersistentSequential);

        Assert.Matches($"^{_root}/q-\\d{{10}}$", first);
        Assert.True(string.CompareOrdinal(first, second) < 0, $"{first} then {second}");
    }

    [Fact]
    public async Task ChildrenAndExists()
    {
        foreach (var name in new[] { "c", "a", "b" })
        {
            await _client.CreateAsync($"{_root}/{name}", Bytes(name));
        }

        var children = await _client.GetChildrenAsync(_root);

        Assert.Equal(["a", "b", "c"], children.Children.Order());
        Assert.Equal(3, children.Stat.NumChildren);
        Assert.Equal(1, (await _client.ExistsAsync($"{_root}/a"))!.Value.DataLength);
        Assert.Null(await _client.ExistsAsync($"{_root}/z"));
    }

    [Fact]
    public async Task ManyRequestsInFlightAreAnsweredInTheirOwnReplies()
    {
        var writes = Enumerable.Range(0, 200).Select(i => _client.CreateAsync($"{_root}/p{i}", Bytes($"v{i}")));
        await Task.WhenAll(writes);

        var reads = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => _client.GetDataAsync($"{_root}/p{i}")));

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"v{i}"), reads.Select(r => Encoding.UTF8.GetString(r.Data)));
    }

    [Fact]
    public async Task WatchesFireOnceForCreateChangeChildrenAndDelete()
    {
        var events = new ConcurrentQueue<ZooKeeperWatchEvent>();
        _client.WatchEvent += (_, e) => { if (e.Type != WatchEventType.None) events.Enqueue(e); };
        var node = $"{_root}/w";
        await using var other = await ZooKeeperClient.ConnectAsync(Options());

        Assert.Null(await _client.ExistsAsync(node, watch: true));
        await _client.GetChildrenAsync(_root, watch: true);
        await other.CreateAsync(node, Bytes("1"));
        await Poll.UntilAsync(() => events.Count >= 2, TimeSpan.FromSeconds(10), "created and children-changed");

        await _client.GetDataAsync(node, watch: true);
        await other.SetDataAsync(node, Bytes("2"));
        await other.SetDataAsync(node, Bytes("3")); // the watch fired already: no second event
        await Poll.UntilAsync(() => events.Count >= 3, TimeSpan.FromSeconds(10), "data-changed");

        await _client.ExistsAsync(node, watch: true);
        await other.DeleteAsync(node);
        await Poll.UntilAsync(() => events.Count >= 4, TimeSpan.FromSeconds(10), "deleted");

        // Created and children-changed come from one write, in either order.
        Assert.Equal(
            new[] { (WatchEventType.NodeCreated, node), (WatchEventType.NodeChildrenChanged, _root), (WatchEventType.NodeDataChanged, node), (WatchEventType.NodeDeleted, node) }.Order(),
            events.Select(e => (e.Type, e.Path!)).Order());
        Assert.All(events, e => Assert.Equal(ZooKeeperState.SyncConnected, e.State));
    }

    [Fact]
    public async Task AMultiAppliesAllOpsWithOneZxid()
    {
        await _client.CreateAsync($"{_root}/x", Bytes("0"));

        var results = await _client.MultiAsync(
        [
            ZooKeeperOp.Create($"{_root}/a", Bytes("a")),
            ZooKeeperOp.Check($"{_root}/x", 0),
            ZooKeeperOp.SetData($"{_root}/x", Bytes("1"), 0),
            ZooKeeperOp.SetData($"{_root}/a", Bytes("a2")),
        ]);

        Assert.All(results, r => Assert.Equal(ZooKeeperErrorCode.Ok, r.Error));
        Assert.Equal($"{_root}/a", results[0].Path);
        Assert.Equal(results[2].Stat!.Value.Mzxid, results[3].Stat!.Value.Mzxid);
        Assert.Equal("a2", Encoding.UTF8.GetString((await _client.GetDataAsync($"{_root}/a")).Data));
    }

    [Fact]
    public async Task AMultiWithOneFailingOpAppliesNothing()
    {
        await _client.CreateAsync($"{_root}/x", Bytes("0"));

        var e = await Assert.ThrowsAsync<ZooKeeperTransactionException>(() => _client.MultiAsync(
        [
            ZooKeeperOp.Create($"{_root}/a", Bytes("a")),
            ZooKeeperOp.SetData($"{_root}/x", Bytes("1"), version: 0),
            ZooKeeperOp.SetData($"{_root}/x", Bytes("2"), version: 0),
            ZooKeeperOp.Create($"{_root}/b", Bytes("b")),
        ]));

        Assert.Equal((ZooKeeperErrorCode.BadVersion, 2), (e.Code, e.FailedIndex));
        Assert.Equal(4, e.Results.Count);
        Assert.Null(await _client.ExistsAsync($"{_root}/a"));
        Assert.Equal("0", Encoding.UTF8.GetString((await _client.GetDataAsync($"{_root}/x")).Data));
    }

    [Fact]
    public async Task AfterAReconnectTheSessionAndItsWatchesRemain()
    {
        var events = new ConcurrentQueue<ZooKeeperWatchEvent>();
        _client.WatchEvent += (_, e) => events.Enqueue(e);
        var node = $"{_root}/w";
        await _client.CreateAsync(node, Bytes("1"));
        await _client.GetDataAsync(node, watch: true);
        var session = _client.SessionId;

        _client.DropConnection();
        await Poll.UntilAsync(() => events.Any(e => e.State == ZooKeeperState.Disconnected), TimeSpan.FromSeconds(10), "disconnected");
        await _client.WaitConnectedAsync(TimeSpan.FromSeconds(10));
        await using var other = await ZooKeeperClient.ConnectAsync(Options());
        await other.SetDataAsync(node, Bytes("2"));

        await Poll.UntilAsync(() => events.Any(e => e.Type == WatchEventType.NodeDataChanged), TimeSpan.FromSeconds(10), "the watch set again by SetWatches");
        Assert.Equal(session, _client.SessionId);
        Assert.Equal(0, _client.Expirations);
    }

    [Fact]
    public async Task AChangeWhileDisconnectedFiresTheWatchOnReconnect()
    {
        var events = new ConcurrentQueue<ZooKeeperWatchEvent>();
        var node = $"{_root}/w";
        await _client.CreateAsync(node, Bytes("1"));
        await using var proxy = new LoopbackForwarder(server.Port);
        await using var viaProxy = await ZooKeeperClient.ConnectAsync(new() { Hosts = [$"127.0.0.1:{proxy.Port}"] });
        viaProxy.WatchEvent += (_, e) => events.Enqueue(e);
        await viaProxy.GetDataAsync(node, watch: true);

        proxy.Pause();
        await Poll.UntilAsync(() => events.Any(e => e.State == ZooKeeperState.Disconnected), TimeSpan.FromSeconds(10), "disconnected");
        await _client.SetDataAsync(node, Bytes("2"));
        proxy.Resume();

        await Poll.UntilAsync(() => events.Any(e => e.Type == WatchEventType.NodeDataChanged), TimeSpan.FromSeconds(10), "the missed change reported");
        Assert.Equal(0, viaProxy.Expirations);
    }

    [Fact]
    public async Task AnExpiredSessionIsReportedAndReplacedByANewOne()
    {
        var events = new ConcurrentQueue<ZooKeeperWatchEvent>();
        await using var proxy = new LoopbackForwarder(server.Port);
        await using var viaProxy = await ZooKeeperClient.ConnectAsync(new() { Hosts = [$"127.0.0.1:{proxy.Port}"], SessionTimeout = TimeSpan.FromSeconds(1) });
        viaProxy.WatchEvent += (_, e) => events.Enqueue(e);
        var old = viaProxy.SessionId;
        Assert.Equal(TimeSpan.FromSeconds(1), viaProxy.NegotiatedSessionTimeout);
        // The session's ephemeral node: once another client sees it gone, the server has expired
        // the session (a busy machine may take longer than the 1 s timeout to get there).
        var ephemeral = $"{_root}/owned-by-the-session";
        await viaProxy.CreateAsync(ephemeral, Bytes("x"), CreateMode.Ephemeral);

        proxy.Pause();
        await Poll.UntilAsync(async () => await _client.ExistsAsync(ephemeral) is null, TimeSpan.FromSeconds(30), "the server to expire the session");
        proxy.Resume();

        await Poll.UntilAsync(() => events.Any(e => e.State == ZooKeeperState.Expired), TimeSpan.FromSeconds(30), "expiry reported");
        await viaProxy.CreateAsync($"{_root}/after", Bytes("ok"));
        Assert.NotEqual(old, viaProxy.SessionId);
        Assert.Equal(1, viaProxy.Expirations);
    }

    [Fact]
    public async Task WithNoServerRequestsFailWithConnectionLossWithinTheTimeout()
    {
        var port = LoopbackPort.Free();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var client = new ZooKeeperClient(new() { Hosts = [$"127.0.0.1:{port}"], OperationTimeout = TimeSpan.FromSeconds(1) });

        var e = await Assert.ThrowsAsync<ZooKeeperConnectionLossException>(() => client.GetDataAsync("/x"));

        Assert.Contains($"127.0.0.1:{port}", e.Message);
        // Well above the 1 s timeout for a busy machine, well below a hang.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
