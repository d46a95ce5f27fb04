using System.Buffers;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;
using Dragonflow.OpenFlow.Tests.Golden;

namespace Dragonflow.OpenFlow.Tests.Robustness;

/// <summary>
/// Random and mutated bytes (fixed seeds) into every decoder: the only exception allowed is
/// <see cref="OpenFlowProtocolException"/>, and every run finishes (the test has a time limit).
/// </summary>
public class DecoderFuzzTests
{
    private static readonly Lazy<List<byte[]>> s_seeds = new(() =>
    {
        // Valid messages of each kind we decode, from our encoder (checked against ovs-ofctl by the golden tests).
        var list = GoldenCases.All().Select(c => c.Expected.ToBytes(7)).ToList();
        list.Add(PacketIn.Build(1, Match.Of(MatchField.InPort(3), MatchField.Metadata(5), MatchField.Register(6, 9)), new byte[64]));
        list.Add(new FlowRemoved(1, 100, FlowRemovedReason.IdleTimeout, 17, 1, 2, 10, 0, 3, 300, Match.Of(MatchField.Metadata(5))).ToBytes(2));
        list.Add(new PortStatus(PortStatusReason.Add, new PortDescription(1, new MacAddress(0x020000000001), "tap1", 0, 0, 0, 0, 0, 0, 0, 0)).ToBytes(3));
        list.Add(new ErrorMessage(5, 1, 0, new byte[24]).ToBytes(4));
        list.Add(new FlowStatsRequest { TableId = 17, Match = Match.Of(MatchField.Metadata(5)) }.ToBytes(5));
        list.Add(new BundleAdd<FlowMod>(1, BundleFlags.Atomic, GoldenCases.All().First().Expected).ToBytes(6));
        list.Add(new Hello().ToBytes(8));
        return list;
    });

    [Fact(Timeout = 120_000)]
    public async Task MutatedMessagesOnlyThrowProtocolExceptions()
    {
        await Task.Run(() =>
        {
            var rng = new Random(1234);
            var seeds = s_seeds.Value;
            for (var i = 0; i < 100_000; i++)
            {
                var msg = (byte[])seeds[rng.Next(seeds.Count)].Clone();
                Mutate(rng, ref msg);
                DecodeAll(msg);
            }
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task RandomBytesOnlyThrowProtocolExceptions()
    {
        await Task.Run(() =>
        {
            var rng = new Random(99);
            for (var i = 0; i < 100_000; i++)
            {
                var msg = new byte[rng.Next(0, 300)];
                rng.NextBytes(msg);
                if (msg.Length >= 4 && rng.Next(2) == 0)
                {
                    // A plausible header makes the decoders go deeper.
                    msg[0] = OfpHeader.Version13;
                    msg[2] = (byte)(msg.Length >> 8);
                    msg[3] = (byte)msg.Length;
                }
                DecodeAll(msg);
                Tolerate(() => OfAction.ReadAll(msg));
                Tolerate(() => Match.FromTlvs(msg).ToString());
                Tolerate(() => InstructionSet.Read(msg).ToString());
            }
        });
    }

    [Fact(Timeout = 60_000)]
    public async Task RandomStreamsAreCutOrRejectedNeverHang()
    {
        await Task.Run(() =>
        {
            var rng = new Random(7);
            for (var i = 0; i < 5_000; i++)
            {
                var stream = new byte[rng.Next(0, 2000)];
                rng.NextBytes(stream);
                var seq = new ReadOnlySequence<byte>(stream);
                Tolerate(() =>
                {
                    var before = seq.Length;
                    while (FrameReader.TryReadFrame(ref seq, out var frame))
                    {
                        Assert.True(frame.Length >= OfpHeader.Size);
                        Assert.True(seq.Length < before);
                        before = seq.Length;
                    }
                });
            }
        });
    }

    private static void Mutate(Random rng, ref byte[] msg)
    {
        switch (rng.Next(5))
        {
            case 0: // flip some bytes
                for (var k = rng.Next(1, 4); k > 0 && msg.Length > 0; k--)
                    msg[rng.Next(msg.Length)] = (byte)rng.Next(256);
                break;
            case 1: // truncate, keeping the header's claimed length
                msg = msg.AsSpan(0, rng.Next(msg.Length + 1)).ToArray();
                break;
            case 2: // truncate and fix the header length
                msg = msg.AsSpan(0, rng.Next(Math.Min(8, msg.Length), msg.Length + 1)).ToArray();
                if (msg.Length >= 4) { msg[2] = (byte)(msg.Length >> 8); msg[3] = (byte)msg.Length; }
                break;
            case 3: // corrupt a 16-bit length somewhere (match, action, instruction lengths)
                if (msg.Length > 10)
                {
                    var at = rng.Next(8, msg.Length - 1) & ~1;
                    msg[at] = (byte)rng.Next(3);
                    msg[at + 1] = (byte)rng.Next(256);
                }
                break;
            default: // append garbage
                var extra = new byte[rng.Next(1, 40)];
                rng.NextBytes(extra);
                msg = [.. msg, .. extra];
                break;
        }
    }

    private static void DecodeAll(byte[] msg)
    {
        Tolerate(() => FlowMod.Read(msg).ToString());
        Tolerate(() =>
        {
            var p = PacketIn.Read(msg);
            _ = p.InPort + p.Metadata + p.Register(6) + (ulong)p.Data.Length + p.Cookie;
            _ = p.ToMatch().ToString();
        });
        Tolerate(() => FlowRemoved.Read(msg).ToString());
        Tolerate(() => PortStatus.Read(msg).ToString());
        Tolerate(() => ErrorMessage.Read(msg).ToString());
        Tolerate(() => FlowStatsRequest.Read(msg).ToString());
        Tolerate(() => Hello.SupportsVersion13(msg));
        Tolerate(() => SwitchFeatures.Read(msg));
        Tolerate(() => PacketOut.Read(msg).Actions.Count);
        Tolerate(() =>
        {
            var (_, _, body) = MultipartHeader.Read(msg);
            FlowStats.ReadAll(body.Span).ForEach(f => f.ToString());
        });
        Tolerate(() => TableStats.ReadAll(msg.AsSpan(Math.Min(16, msg.Length))));
        Tolerate(() => FlowMod.Read(BundleAddMessage.Read(msg).Inner.Span));
        if (msg.Length > 24) Tolerate(() => FlowStats.ReadAll(msg.AsSpan(16)).ForEach(f => f.ToString()));
    }

    private static void Tolerate(Action decode)
    {
        try
        {
            decode();
        }
        catch (OpenFlowProtocolException)
        {
        }
    }

    private static void Tolerate<T>(Func<T> decode) => Tolerate(() => { decode(); });
}
