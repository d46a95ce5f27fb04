using System.Buffers.Binary;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Connection;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Tests.Connection;

/// <summary>Session behaviour a real OVS cannot be made to show on demand: silence, garbage, split replies, old versions.</summary>
public class ConnectionBehaviourTests
{
    private static OpenFlowListener Listen(OpenFlowConnectionOptions? o = null) => new OpenFlowListener("tcp:127.0.0.1:0", o).Start();

    private static async Task<(RawSwitch, OpenFlowConnection)> ConnectAsync(OpenFlowListener l)
    {
        var sw = await RawSwitch.ConnectAsync(l.LocalEndPoint);
        await sw.HandshakeAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return (sw, await l.AcceptAsync(cts.Token));
    }

    [Fact]
    public async Task HandshakeNegotiatesAndConfiguresMissSendLen()
    {
        await using var l = Listen();
        var sw = await RawSwitch.ConnectAsync(l.LocalEndPoint);
        using var _ = sw;
        sw.Send(new Hello().ToBytes(1));
        var hello = await sw.ReceiveAsync(OfpType.Hello);
        Assert.True(Hello.SupportsVersion13(hello));
        var fr = await sw.ReceiveAsync(OfpType.FeaturesRequest);
        sw.Send(new SwitchFeatures(0xabcdef, 0, 254, 0, 0).ToBytes(OfpHeader.Read(fr).Xid));
        var cfg = SwitchConfig.Read(await sw.ReceiveAsync(OfpType.SetConfig));
        Assert.Equal(0xffff, cfg.MissSendLen);
        var conn = await l.AcceptAsync(new CancellationTokenSource(5000).Token);
        Assert.Equal(0xabcdefUL, conn.DatapathId);
    }

    [Fact]
    public async Task SwitchWithoutOpenFlow13IsRefused()
    {
        await using var l = Listen();
        using var sw = await RawSwitch.ConnectAsync(l.LocalEndPoint);
        var oldHello = new byte[8];
        OfpHeader.Write(oldHello, OfpType.Hello, 8, 1);
        oldHello[0] = 0x01;
        sw.Send(oldHello);
        var err = ErrorMessage.Read(await sw.ReceiveAsync(OfpType.Error));
        Assert.Equal("HELLO_FAILED INCOMPATIBLE", err.Reason);
        var sw2 = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<EndOfStreamException>(async () => { while (true) await sw.ReceiveAsync(); });
        Assert.True(sw2.Elapsed < TimeSpan.FromSeconds(2), $"closed after {sw2.Elapsed}");
        Assert.Empty(l.Connections);
    }

    [Fact]
    public async Task SilentSwitchGetsEchoesThenIsDeclaredDead()
    {
        await using var l = Listen(new OpenFlowConnectionOptions { EchoInterval = TimeSpan.FromMilliseconds(200), DeadInterval = TimeSpan.FromSeconds(1) });
        var (sw, conn) = await ConnectAsync(l);
        using var _ = sw;
        var disconnected = new TaskCompletionSource<Exception?>();
        conn.Disconnected += (_, e) => disconnected.TrySetResult(e);
        await sw.ReceiveAsync(OfpType.EchoRequest, answerEcho: false);
        var reason = await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.IsType<TimeoutException>(reason);
        Assert.False(conn.IsConnected);
        await Assert.ThrowsAsync<OpenFlowConnectionClosedException>(() => conn.BarrierAsync());
    }

    [Fact]
    public async Task AnsweredEchoesKeepTheSessionAlive()
    {
        await using var l = Listen(new OpenFlowConnectionOptions { EchoInterval = TimeSpan.FromMilliseconds(200), DeadInterval = TimeSpan.FromMilliseconds(1500) });
        var (sw, conn) = await ConnectAsync(l);
        using var _ = sw;
        var pump = Task.Run(async () => { try { while (true) await sw.ReceiveAsync(OfpType.BarrierRequest); } catch (Exception) { } });
        // Twice the dead interval with no traffic but echoes.
        await Task.Delay(3000);
        Assert.True(conn.IsConnected, conn.CloseReason?.ToString());
    }

    [Fact]
    public async Task MalformedMessagesAreDroppedAndTheSessionSurvives()
    {
        await using var l = Listen();
        var (sw, conn) = await ConnectAsync(l);
        using var _ = sw;
        var got = new List<uint>();
        var throwOnce = true;
        conn.PacketIn += (_, p) =>
        {
            lock (got) got.Add(p.InPort);
            if (throwOnce) { throwOnce = false; throw new InvalidOperationException("handler bug"); }
        };

        var good = PacketIn.Build(0, Match.Of(MatchField.InPort(3)), new byte[60]);
        var badMatch = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(badMatch.AsSpan(26), 200); // match longer than the message
        var shortPortStatus = new byte[20];
        OfpHeader.Write(shortPortStatus, OfpType.PortStatus, 20, 0);
        var badFlowRemoved = new byte[30];
        OfpHeader.Write(badFlowRemoved, OfpType.FlowRemoved, 30, 0);
        var unknownType = new byte[12];
        OfpHeader.Write(unknownType, (OfpType)200, 12, 0);

        sw.Send([.. badMatch, .. shortPortStatus, .. good, .. badFlowRemoved, .. unknownType, .. good]);
        await Poll(() => { lock (got) return got.Count == 2; });
        Assert.Equal([3u, 3u], got);

        var barrier = conn.BarrierAsync();
        var req = await sw.ReceiveAsync(OfpType.BarrierRequest);
        sw.Send(HeaderOnly.BarrierReply.ToBytes(OfpHeader.Read(req).Xid));
        await barrier.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(conn.IsConnected);
    }

    [Fact]
    public async Task BrokenFramingClosesTheConnectionButNotTheListener()
    {
        await using var l = Listen();
        var (sw, conn) = await ConnectAsync(l);
        using var _ = sw;
        var bad = new byte[8];
        OfpHeader.Write(bad, OfpType.EchoRequest, 8, 0);
        BinaryPrimitives.WriteUInt16BigEndian(bad.AsSpan(2), 4); // length below the header size
        sw.Send(bad);
        await conn.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.IsType<OpenFlowProtocolException>(conn.CloseReason);

        var (sw2, conn2) = await ConnectAsync(l);
        using var __ = sw2;
        Assert.True(conn2.IsConnected);
    }

    [Fact]
    public async Task MultipartRepliesWithMoreFlagAreJoined()
    {
        await using var l = Listen();
        var (sw, conn) = await ConnectAsync(l);
        using var _ = sw;
        var dump = conn.DumpFlowsAsync();
        var req = await sw.ReceiveAsync(OfpType.MultipartRequest);
        var xid = OfpHeader.Read(req).Xid;
        var f1 = new FlowStats(17, 1, 0, 100, 0, 0, 0, 0x1, 5, 500, Match.Of(MatchField.Metadata(5)), InstructionSet.Apply([new Output(1)]));
        var f2 = f1 with { Cookie = 0x2, TableId = 78 };
        sw.Send(StatsReply(xid, MultipartHeader.FlagMore, f1));
        Assert.False(dump.IsCompleted);
        sw.Send(StatsReply(xid, 0, f2));
        var flows = await dump.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([f1.ToString(), f2.ToString()], flows.Select(f => f.ToString()));
        Assert.Equal(500UL, flows[0].ByteCount);
    }

    [Fact]
    public async Task ErrorForAnAwaitedXidFaultsTheCall()
    {
        await using var l = Listen();
        var (sw, conn) = await ConnectAsync(l);
        using var _ = sw;
        var ports = conn.GetPortsAsync();
        var req = await sw.ReceiveAsync(OfpType.MultipartRequest);
        sw.Send(new ErrorMessage(1, 2, 0, req).ToBytes(OfpHeader.Read(req).Xid));
        var e = await Assert.ThrowsAsync<OpenFlowErrorException>(() => ports.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("BAD_REQUEST BAD_MULTIPART", e.Error.Reason);
        Assert.Equal(OfpType.MultipartRequest, e.Error.FailedRequestType);
    }

    [Fact]
    public async Task UnclaimedErrorsArriveAsEvents()
    {
        await using var l = Listen();
        var (sw, conn) = await ConnectAsync(l);
        using var _ = sw;
        var errors = new TaskCompletionSource<(ErrorMessage, uint)>();
        conn.Error += (_, e, x) => errors.TrySetResult((e, x));
        var xid = await conn.SendAsync(FlowMod.Add(0, 1, Match.All, InstructionSet.Drop));
        var fm = await sw.ReceiveAsync(OfpType.FlowMod);
        sw.Send(new ErrorMessage(5, 1, 0, fm).ToBytes(xid));
        var (err, ex) = await errors.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(xid, ex);
        Assert.Equal("FLOW_MOD_FAILED TABLE_FULL", err.Reason);
    }

    private static byte[] StatsReply(uint xid, ushort flags, FlowStats f)
    {
        var b = new byte[MultipartHeader.Size + f.Size];
        MultipartHeader.Write(b, OfpType.MultipartReply, MultipartType.Flow, flags, b.Length, xid);
        f.Write(b.AsSpan(MultipartHeader.Size));
        return b;
    }

    private static async Task Poll(Func<bool> condition)
    {
        var end = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < end, "condition not met in time");
            await Task.Delay(20);
        }
    }
}
