using Dragonflow.ZooKeeper.Jute;
using Dragonflow.ZooKeeper.Protocol;

namespace Dragonflow.ZooKeeper.Tests;

/// <summary>The jute binary archive: big endian, length-prefixed, -1 for null, truncation detected.</summary>
public sealed class JuteCodecTests
{
    [Fact]
    public void AFrameIsLengthPrefixedBigEndian()
    {
        var w = new JuteWriter();
        w.WriteInt(0x01020304);
        w.WriteLong(-2);
        w.WriteBool(true);
        w.WriteString("ab");
        w.WriteString(null);

        Assert.Equal(
            new byte[] { 0, 0, 0, 23, 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 1, 0, 0, 0, 2, (byte)'a', (byte)'b', 0xff, 0xff, 0xff, 0xff },
            w.ToFrame().ToArray());
    }

    [Fact]
    public void WhatIsWrittenReadsBack()
    {
        var w = new JuteWriter();
        w.WriteStringVector(["x", "ünï", ""]);
        w.WriteBuffer([9, 8, 7]);
        w.WriteNullBuffer();

        var r = new JuteReader(w.ToFrame().Span[4..]);
        Assert.Equal(["x", "ünï", ""], r.ReadStringVector());
        Assert.Equal(new byte[] { 9, 8, 7 }, r.ReadBuffer());
        Assert.Null(r.ReadBuffer());
        Assert.Equal(0, r.Remaining);
    }

    [Fact]
    public void ATruncatedOrLyingRecordIsAProtocolError()
    {
        Assert.Throws<ZooKeeperProtocolException>(() => new JuteReader(new byte[] { 0, 0, 1 }).ReadInt());
        Assert.Throws<ZooKeeperProtocolException>(() => new JuteReader(new byte[] { 0, 0, 0, 9, 1, 2 }).ReadString());
        Assert.Throws<ZooKeeperProtocolException>(() => new JuteReader(new byte[] { 0xff, 0xff, 0xff, 0xf0 }).ReadBuffer());
    }

    [Fact]
    public void AStatIs68Bytes()
    {
        var bytes = new byte[ZNodeStat.Size];
        bytes[15] = 7; // mzxid low byte
        bytes[35] = 3; // version low byte
        var r = new JuteReader(bytes);

        var stat = ZNodeStat.Read(ref r);

        Assert.Equal((7L, 3), (stat.Mzxid, stat.Version));
        Assert.Equal(0, r.Remaining);
    }

    [Fact]
    public void AConnectRequestCarriesSessionAndPassword()
    {
        var w = new JuteWriter();
        new ConnectRequest(0x10, 10_000, 0x55, new byte[16]).Write(w);
        var frame = w.ToFrame().ToArray();

        // length, protocolVersion, lastZxidSeen, timeOut, sessionId, passwd (4 + 16), readOnly
        Assert.Equal(4 + 4 + 8 + 4 + 8 + 20 + 1, frame.Length);
        var r = new JuteReader(frame.AsSpan(4));
        Assert.Equal((0, 0x10L, 10_000, 0x55L), (r.ReadInt(), r.ReadLong(), r.ReadInt(), r.ReadLong()));
        Assert.Equal(16, r.ReadBuffer()!.Length);
        Assert.False(r.ReadBool());
    }

    [Fact]
    public void AFailedMultiReportsEveryOpsError()
    {
        var w = new JuteWriter();
        foreach (var err in new[] { 0, -103, -2 })
        {
            w.WriteInt(-1);
            w.WriteBool(false);
            w.WriteInt(err);
            w.WriteInt(err);
        }
        w.WriteInt(-1);
        w.WriteBool(true);
        w.WriteInt(-1);

        var results = MultiResponse.Read(w.ToFrame().Span[4..]);

        Assert.Equal([ZooKeeperErrorCode.Ok, ZooKeeperErrorCode.BadVersion, ZooKeeperErrorCode.RuntimeInconsistency], results.Select(r => r.Error));
    }
}
