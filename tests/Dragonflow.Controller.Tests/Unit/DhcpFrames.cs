using System.Buffers.Binary;
using System.Net;
using Dragonflow.Controller.Packets.Dhcp;

namespace Dragonflow.Controller.Tests.Unit;

/// <summary>Client frames for the tests, built byte by byte from RFC 2131/2132 (not with the codec under test).</summary>
internal static class DhcpFrames
{
    public static byte[] Client(string mac, DhcpMessageType type, uint xid = 0x1234_5678, string? requested = null, string? serverId = null,
        string ciaddr = "0.0.0.0", ushort flags = 0, bool broadcastIp = true)
    {
        var macBytes = Convert.FromHexString(mac.Replace(":", ""));
        var options = new List<byte> { 53, 1, (byte)type };
        if (requested is not null) options.AddRange(new byte[] { 50, 4 }.Concat(IPAddress.Parse(requested).GetAddressBytes()));
        if (serverId is not null) options.AddRange(new byte[] { 54, 4 }.Concat(IPAddress.Parse(serverId).GetAddressBytes()));
        options.AddRange([55, 3, 1, 3, 6, 255]);

        var bootp = new byte[240 + options.Count];
        bootp[0] = 1;
        bootp[1] = 1;
        bootp[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(bootp.AsSpan(4), xid);
        BinaryPrimitives.WriteUInt16BigEndian(bootp.AsSpan(10), flags);
        IPAddress.Parse(ciaddr).GetAddressBytes().CopyTo(bootp, 12);
        macBytes.CopyTo(bootp, 28);
        bootp[236] = 99; bootp[237] = 130; bootp[238] = 83; bootp[239] = 99;
        options.CopyTo(bootp, 240);

        var udp = new byte[8 + bootp.Length];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 68);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), 67);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        bootp.CopyTo(udp, 8);

        var ip = new byte[20 + udp.Length];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
        ip[8] = 64;
        ip[9] = 17;
        (broadcastIp ? IPAddress.Broadcast : IPAddress.Parse("10.0.0.2")).GetAddressBytes().CopyTo(ip, 16);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), OnesComplement(ip.AsSpan(0, 20)));
        udp.CopyTo(ip, 20);

        var frame = new byte[14 + ip.Length];
        for (var i = 0; i < 6; i++) frame[i] = 0xff;
        macBytes.CopyTo(frame, 6);
        frame[12] = 0x08;
        ip.CopyTo(frame, 14);
        return frame;
    }

    public static ushort OnesComplement(ReadOnlySpan<byte> b)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < b.Length; i += 2) sum += (uint)(b[i] << 8 | b[i + 1]);
        if (b.Length % 2 == 1) sum += (uint)(b[^1] << 8);
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>The options of a reply frame, code → value (a test-side reader of RFC 2132 §2).</summary>
    public static Dictionary<byte, byte[]> ReplyOptions(byte[] frame)
    {
        var o = frame.AsSpan(14 + 20 + 8 + 240);
        var result = new Dictionary<byte, byte[]>();
        for (var i = 0; i < o.Length && o[i] != 255;)
        {
            if (o[i] == 0) { i++; continue; }
            result[o[i]] = o.Slice(i + 2, o[i + 1]).ToArray();
            i += 2 + o[i + 1];
        }
        return result;
    }
}
