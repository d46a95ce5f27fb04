using System.Buffers.Binary;
using System.Net;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Packets.Dhcp;

/// <summary>
/// A server reply (OFFER, ACK, NAK) and its encoding into a whole Ethernet/IPv4/UDP frame with
/// both checksums. Addressing follows RFC 2131 §4.1: a NAK is broadcast; a client that
/// already has an address (ciaddr) gets it unicast; one that set the BROADCAST flag gets a
/// broadcast; otherwise the reply goes to yiaddr at chaddr.
/// </summary>
public sealed record DhcpReply(
    DhcpMessageType Type,
    uint TransactionId,
    ushort Flags,
    IPAddress ClientIp,
    IPAddress YourIp,
    IPAddress RelayIp,
    MacAddress ClientMac,
    MacAddress ServerMac,
    IPAddress ServerIp,
    IReadOnlyList<DhcpOption> Options,
    IPAddress? NextServer = null)
{
    /// <summary>RFC 1542 §3.3 / old clients: a BOOTP message is at least 300 bytes.</summary>
    public const int MinBootpSize = 300;

    public byte[] ToFrame()
    {
        if (Options.FirstOrDefault(o => o.Value.Length > 255) is { } tooLong)
            throw new ArgumentException($"option {tooLong.Code} has {tooLong.Value.Length} bytes (at most 255)");
        var optionBytes = 3 + 6 + Options.Sum(o => 2 + o.Value.Length) + 1; // type, server id, ..., end
        var bootp = Math.Max(MinBootpSize, DhcpRequest.BootpFixed + 4 + optionBytes);
        var udpLength = DhcpRequest.UdpHeader + bootp;
        var ipLength = 20 + udpLength;
        var frame = new byte[DhcpRequest.EthernetHeader + ipLength];
        var span = frame.AsSpan();

        var (dstMac, dstIp) = Destination();
        dstMac.Write(span);
        ServerMac.Write(span[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], EtherTypes.Ipv4);

        var ip = span[DhcpRequest.EthernetHeader..];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)ipLength);
        ip[8] = 64; // TTL
        ip[9] = IpProtocols.Udp;
        ServerIp.TryWriteBytes(ip[12..16], out _);
        dstIp.TryWriteBytes(ip[16..20], out _);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip[..20]));

        var udp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, DhcpRequest.ServerPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], DhcpRequest.ClientPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);

        var b = udp[DhcpRequest.UdpHeader..];
        b[0] = 2; // BOOTREPLY
        b[1] = 1;
        b[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(b[10..], Flags);
        ClientIp.TryWriteBytes(b[12..16], out _);
        YourIp.TryWriteBytes(b[16..20], out _);
        NextServer?.TryWriteBytes(b[20..24], out _); // siaddr: the boot server (PXE)
        RelayIp.TryWriteBytes(b[24..28], out _);
        ClientMac.Write(b[28..]);
        BinaryPrimitives.WriteUInt32BigEndian(b[DhcpRequest.BootpFixed..], DhcpRequest.MagicCookie);
        var o = b[(DhcpRequest.BootpFixed + 4)..];
        o[0] = DhcpOptionCode.MessageType;
        o[1] = 1;
        o[2] = (byte)Type;
        o[3] = DhcpOptionCode.ServerId;
        o[4] = 4;
        ServerIp.TryWriteBytes(o[5..9], out _);
        var at = 9;
        foreach (var option in Options)
        {
            o[at] = option.Code;
            o[at + 1] = (byte)option.Value.Length;
            option.Value.CopyTo(o[(at + 2)..]);
            at += 2 + option.Value.Length;
        }
        o[at] = DhcpOptionCode.End;

        // RFC 768: the checksum covers a pseudo-header (src, dst, protocol, UDP length); 0 is sent as 0xffff.
        var pseudo = Checksum.Sum(ip[12..20], 17u + (uint)udpLength);
        var sum = Checksum.Compute(udp[..udpLength], pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], sum == 0 ? (ushort)0xffff : sum);
        return frame;
    }

    private (MacAddress Mac, IPAddress Ip) Destination()
    {
        if (Type == DhcpMessageType.Nak || !RelayIp.Equals(IPAddress.Any)) return (MacAddress.Broadcast, IPAddress.Broadcast);
        if (!ClientIp.Equals(IPAddress.Any)) return (ClientMac, ClientIp);
        if ((Flags & 0x8000) != 0) return (MacAddress.Broadcast, IPAddress.Broadcast);
        return (ClientMac, YourIp);
    }
}

/// <summary>One option, code and value (at most 255 bytes, RFC 2132 §2).</summary>
public sealed record DhcpOption(byte Code, byte[] Value)
{
    public static DhcpOption Address(byte code, IPAddress ip) => new(code, ip.GetAddressBytes());

    public static DhcpOption Addresses(byte code, IEnumerable<IPAddress> ips) => new(code, ips.SelectMany(i => i.GetAddressBytes()).ToArray());

    public static DhcpOption UInt32(byte code, uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return new(code, b);
    }

    public static DhcpOption UInt16(byte code, ushort value)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        return new(code, b);
    }

    public static DhcpOption Text(byte code, string value) => new(code, System.Text.Encoding.ASCII.GetBytes(value));

    /// <summary>RFC 3442 §3: per route the prefix length, the significant octets of the destination, the router.</summary>
    public static DhcpOption ClasslessRoutes(IEnumerable<(IPAddress Destination, int PrefixLength, IPAddress Router)> routes)
    {
        var bytes = new List<byte>();
        foreach (var (dst, len, router) in routes)
        {
            bytes.Add((byte)len);
            bytes.AddRange(dst.GetAddressBytes().Take((len + 7) / 8));
            bytes.AddRange(router.GetAddressBytes());
        }
        return new(DhcpOptionCode.ClasslessStaticRoutes, bytes.ToArray());
    }
}
