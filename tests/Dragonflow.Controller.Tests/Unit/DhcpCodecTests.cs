using System.Buffers.Binary;
using System.Net;
using Dragonflow.Controller.Packets.Dhcp;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Tests.Unit;

public sealed class DhcpCodecTests
{
    private const string Mac = "fa:16:3e:00:00:07";

    [Fact]
    public void A_request_is_parsed_with_its_type_xid_addresses_and_options()
    {
        var r = DhcpRequest.Parse(DhcpFrames.Client(Mac, DhcpMessageType.Request, 0xabcdef01, requested: "10.0.0.7", serverId: "10.0.0.2", flags: 0x8000));
        Assert.Equal(DhcpMessageType.Request, r.Type);
        Assert.Equal(0xabcdef01u, r.TransactionId);
        Assert.True(r.BroadcastFlag);
        Assert.Equal(MacAddress.Parse(Mac), r.ClientMac);
        Assert.Equal(MacAddress.Parse(Mac), r.EthSource);
        Assert.Equal(IPAddress.Parse("10.0.0.7"), r.RequestedIp);
        Assert.Equal(IPAddress.Parse("10.0.0.2"), r.ServerId);
        Assert.Equal(IPAddress.Any, r.ClientIp);
    }

    [Fact]
    public void A_reply_frame_has_valid_ip_and_udp_checksums_and_its_options()
    {
        var reply = new DhcpReply(DhcpMessageType.Offer, 42, 0, IPAddress.Any, IPAddress.Parse("10.0.0.7"), IPAddress.Any,
            MacAddress.Parse(Mac), MacAddress.Parse("02:df:00:00:00:05"), IPAddress.Parse("10.0.0.2"),
            [DhcpOption.Address(DhcpOptionCode.SubnetMask, IPAddress.Parse("255.255.255.0")), DhcpOption.UInt32(DhcpOptionCode.LeaseTime, 86400)]);
        var frame = reply.ToFrame();

        Assert.Equal(Mac, MacAddress.Read(frame).ToString()); // unicast to chaddr: no broadcast flag, no ciaddr
        Assert.Equal(0, DhcpFrames.OnesComplement(frame.AsSpan(14, 20)));
        var udpLength = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(14 + 24));
        var pseudo = new byte[12 + udpLength];
        frame.AsSpan(14 + 12, 8).CopyTo(pseudo);
        pseudo[9] = 17;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), udpLength);
        frame.AsSpan(14 + 20, udpLength).CopyTo(pseudo.AsSpan(12));
        Assert.Equal(0, DhcpFrames.OnesComplement(pseudo));
        Assert.True(frame.Length - 14 - 28 >= DhcpReply.MinBootpSize);
        Assert.Equal(new byte[] { 10, 0, 0, 7 }, frame.AsSpan(14 + 28 + 16, 4).ToArray()); // yiaddr
        Assert.Equal(new byte[] { 10, 0, 0, 7 }, frame.AsSpan(14 + 16, 4).ToArray()); // IP destination = yiaddr

        var options = DhcpFrames.ReplyOptions(frame);
        Assert.Equal([2], options[53]);
        Assert.Equal(new byte[] { 10, 0, 0, 2 }, options[54]);
        Assert.Equal(new byte[] { 255, 255, 255, 0 }, options[1]);
        Assert.Equal(new byte[] { 0, 1, 0x51, 0x80 }, options[51]);
    }

    [Theory]
    [InlineData(DhcpMessageType.Nak, "0.0.0.0", 0, "ff:ff:ff:ff:ff:ff", "255.255.255.255")]
    [InlineData(DhcpMessageType.Ack, "10.0.0.7", 0, Mac, "10.0.0.7")]
    [InlineData(DhcpMessageType.Offer, "0.0.0.0", 0x8000, "ff:ff:ff:ff:ff:ff", "255.255.255.255")]
    public void Replies_are_addressed_as_rfc_2131_4_1_says(DhcpMessageType type, string ciaddr, ushort flags, string dstMac, string dstIp)
    {
        var frame = new DhcpReply(type, 1, flags, IPAddress.Parse(ciaddr), IPAddress.Parse("10.0.0.7"), IPAddress.Any,
            MacAddress.Parse(Mac), MacAddress.Parse("02:df:00:00:00:05"), IPAddress.Parse("10.0.0.2"), []).ToFrame();
        Assert.Equal(dstMac, MacAddress.Read(frame).ToString());
        Assert.Equal(IPAddress.Parse(dstIp), new IPAddress(frame.AsSpan(14 + 16, 4)));
    }

    [Fact]
    public void Classless_routes_carry_only_the_significant_octets()
    {
        var o = DhcpOption.ClasslessRoutes([(IPAddress.Parse("172.16.0.0"), 16, IPAddress.Parse("10.0.0.254")), (IPAddress.Any, 0, IPAddress.Parse("10.0.0.1"))]);
        Assert.Equal(new byte[] { 16, 172, 16, 10, 0, 0, 254, 0, 10, 0, 0, 1 }, o.Value);
    }

    public static TheoryData<string, int> Truncations()
    {
        var data = new TheoryData<string, int>();
        foreach (var n in new[] { 0, 1, 13, 14, 20, 33, 34, 41, 42, 100, 276, 281, 282, 285 }) data.Add("prefix", n);
        return data;
    }

    [Theory]
    [MemberData(nameof(Truncations))]
    public void A_truncated_frame_is_a_format_error(string _, int length)
    {
        var frame = DhcpFrames.Client(Mac, DhcpMessageType.Discover);
        Assert.Throws<DhcpFormatException>(() => DhcpRequest.Parse(frame.AsSpan(0, Math.Min(length, frame.Length - 1))));
    }

    [Theory]
    [InlineData(12, 0x86)] // not IPv4
    [InlineData(14, 0x65)] // IP version 6
    [InlineData(14 + 9, 6)] // TCP
    [InlineData(14 + 10, 0)] // IP checksum broken
    [InlineData(14 + 20 + 1, 69)] // not to port 67
    [InlineData(14 + 28, 2)] // a BOOTREPLY
    [InlineData(14 + 28 + 236, 0)] // no magic cookie
    [InlineData(14 + 28 + 242, 9)] // message type 9
    public void A_frame_with_a_bad_field_is_a_format_error(int offset, byte value)
    {
        var frame = DhcpFrames.Client(Mac, DhcpMessageType.Discover);
        frame[offset] = value;
        Assert.Throws<DhcpFormatException>(() => DhcpRequest.Parse(frame));
    }

    [Fact]
    public void An_option_running_past_the_end_is_a_format_error()
    {
        var frame = DhcpFrames.Client(Mac, DhcpMessageType.Discover);
        frame[14 + 28 + 240 + 1] = 200; // option 53's length
        Assert.Throws<DhcpFormatException>(() => DhcpRequest.Parse(frame));
    }

    [Fact]
    public void Random_and_mutated_input_never_throws_anything_but_a_format_error()
    {
        var random = new Random(20261125);
        var valid = DhcpFrames.Client(Mac, DhcpMessageType.Request, requested: "10.0.0.7", serverId: "10.0.0.2");
        var parsed = 0;
        for (var i = 0; i < 20000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 600)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])valid.Clone();
                for (var m = random.Next(1, 6); m > 0; m--) input[random.Next(input.Length)] = (byte)random.Next(256);
                if (random.Next(4) == 0) input = input[..random.Next(input.Length)];
            }
            try
            {
                DhcpRequest.Parse(input);
                parsed++;
            }
            catch (DhcpFormatException)
            {
            }
        }
        Assert.InRange(parsed, 1, 19999); // some mutations keep the frame valid, most do not
    }
}
