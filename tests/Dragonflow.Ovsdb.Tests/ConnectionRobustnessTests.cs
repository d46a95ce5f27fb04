using Dragonflow.Testing;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Ovsdb.Tests;

/// <summary>Echo handling, dead-peer detection and malformed input, with a scripted peer.</summary>
public sealed class ConnectionRobustnessTests : IDisposable
{
    private readonly ScriptedPeer _peer = new();
    private readonly RecordingLogger _log = new();

    public void Dispose() => _peer.Dispose();

    [Fact]
    public async Task AnswersTheServersEchoWithItsParams()
    {
        await using var client = new OvsdbClient(_peer.Remote, new OvsdbClientOptions { ProbeInterval = TimeSpan.Zero }, _log);
        client.Start();
        using var session = await _peer.AcceptAsync();
        await session.SendAsync("{\"method\":\"echo\",\"params\":[\"are you there\"],\"id\":\"e1\"}");
        var reply = await session.ReceiveUntilAsync("\"id\":\"e1\"");
        Assert.Contains("\"result\":[\"are you there\"]", reply);
        Assert.Contains("\"error\":null", reply);
    }

    [Fact]
    public async Task ProbesASilentServerAndReconnectsWhenItStaysSilent()
    {
        var options = new OvsdbClientOptions { ProbeInterval = TimeSpan.FromMilliseconds(200), MinReconnectDelay = TimeSpan.FromMilliseconds(50) };
        await using var client = new OvsdbClient(_peer.Remote, options, _log);
        var disconnected = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += e => disconnected.TrySetResult(e);
        client.Start();

        using var first = await _peer.AcceptAsync();
        // After one interval of silence the client sends its own echo...
        await first.ReceiveUntilAsync("\"method\":\"echo\"", TimeSpan.FromSeconds(3));
        // ...and after two without an answer it gives the connection up and dials again.
        Assert.Contains("inactivity probe", (await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(5))).Message);
        using var second = await _peer.AcceptAsync(TimeSpan.FromSeconds(5));
        Assert.True(await first.WaitClosedAsync(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task AnsweredProbesKeepTheConnection()
    {
        // Intervals of 2 s, answered from a thread of the peer's own: a busy machine's stall of a
        // few hundred milliseconds is not mistaken for a dead peer.
        var options = new OvsdbClientOptions { ProbeInterval = TimeSpan.FromSeconds(2) };
        await using var client = await OvsdbClient.ConnectAsync(_peer.Remote, options, _log).WaitAsync(TimeSpan.FromSeconds(10));
        using var session = await _peer.AcceptAsync();
        session.AnswerEchoesInBackground();
        // Four probes in a row, each answered: twice the two silent intervals that would
        // otherwise end the session.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (session.EchoesAnswered < 4)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {session.EchoesAnswered} probes in 60 s; got: {session.Received}");
            await Task.Delay(50);
        }
        Assert.True(client.IsConnected);
        Assert.Equal(1, client.SessionCount);
    }

    [Theory]
    [InlineData("}{garbage")]
    [InlineData("{\"id\":1,\"result\":[\"unterminated")] // then the peer closes
    [InlineData("{\"method\":\"update2\",\"params\":[\"m1\",{\"Bridge\":{\"zz\":{\"insert\":{}}}}],\"id\":null}{\"id\":1,\"result\":5,\"error\":null}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"id\":1,\"result\":[\"db\"],\"error\":null,\"x\":[}")]
    public async Task MalformedServerInputIsLoggedAndTheConnectionResets(string garbage)
    {
        var options = new OvsdbClientOptions { ProbeInterval = TimeSpan.Zero, MinReconnectDelay = TimeSpan.FromMilliseconds(20) };
        await using var client = new OvsdbClient(_peer.Remote, options, _log);
        client.Start();
        using (var first = await _peer.AcceptAsync())
        {
            var pending = client.ListDatabasesAsync();
            await first.ReceiveUntilAsync("list_dbs");
            await first.SendAsync(garbage);
            if (garbage.Contains("unterminated")) first.Dispose();
            var error = await Assert.ThrowsAnyAsync<OvsdbException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.True(error is OvsdbConnectionException or OvsdbProtocolException, error.GetType().Name);
        }

        // The client dials again and works normally with a well-behaved peer.
        using var second = await _peer.AcceptAsync();
        var retry = client.ListDatabasesAsync();
        var request = await second.ReceiveUntilAsync("list_dbs");
        var id = System.Text.Json.Nodes.JsonNode.Parse(request)!["id"]!.ToJsonString();
        await second.SendAsync($"{{\"id\":{id},\"result\":[\"Open_vSwitch\"],\"error\":null}}");
        Assert.Equal(new[] { "Open_vSwitch" }, await retry.WaitAsync(TimeSpan.FromSeconds(5)));
        if (!garbage.Contains("unterminated"))
            Assert.True(_log.Contains(LogLevel.Warning, "Dropping OVSDB connection"), string.Join("\n", _log.Entries));
    }
}
