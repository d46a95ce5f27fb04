using System.Buffers.Binary;
using System.Net;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Packets.Dhcp;

/// <summary>
/// A client's DHCP message as it arrives in a packet-in: Ethernet II, IPv4 (RFC 791), UDP
/// 68 → 67 (RFC 768) and the BOOTP body (RFC 2131 §2, 236 fixed bytes, then the magic cookie
/// and options, RFC 2132). Only what a server needs to answer is kept.
/// </summary>
public sealed record DhcpRequest(
    MacAddress EthSource,
    DhcpMessageType Type,
    uint TransactionId,
    ushort Flags,
    IPAddress ClientIp,
    IPAddress RelayIp,
    MacAddress ClientMac,
    IPAddress? RequestedIp,
    IPAddress? ServerId)
{
    public const int EthernetHeader = 14;
    public const int UdpHeader = 8;
    public const int BootpFixed = 236;
    public const uint MagicCookie = 0x63825363;
    public const ushort ClientPort = 68;
    public const ushort ServerPort = 67;

    /// <summary>RFC 2131 §2: the BROADCAST bit of the flags field.</summary>
    public bool BroadcastFlag => (Flags & 0x8000) != 0;

    /// <summary>Parses a whole Ethernet frame; anything malformed throws <see cref="DhcpFormatException"/> and nothing else.</summary>
    public static DhcpRequest Parse(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < EthernetHeader + 20) DhcpFormatException.Throw($"frame of {frame.Length} bytes is too short");
        var ethSrc = MacAddress.Read(frame[6..]);
        if (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypes.Ipv4) DhcpFormatException.Throw("not IPv4");
        var ip = frame[EthernetHeader..];
        if (ip[0] >> 4 != 4) DhcpFormatException.Throw($"IP version {ip[0] >> 4}");
        var ihl = (ip[0] & 0xf) * 4;
        if (ihl < 20 || ihl > ip.Length) DhcpFormatException.Throw($"IP header length {ihl}");
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (total < ihl + UdpHeader || total > ip.Length) DhcpFormatException.Throw($"IP total length {total} (have {ip.Length})");
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3fff) != 0) DhcpFormatException.Throw("fragmented");
        if (ip[9] != IpProtocols.Udp) DhcpFormatException.Throw($"IP protocol {ip[9]} is not UDP");
        if (Checksum.Compute(ip[..ihl]) != 0) DhcpFormatException.Throw("bad IPv4 header checksum");
        var udp = ip[ihl..total];
        if (BinaryPrimitives.ReadUInt16BigEndian(udp) != ClientPort || BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != ServerPort)
            DhcpFormatException.Throw("not UDP 68 -> 67");
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (udpLength < UdpHeader || udpLength > udp.Length) DhcpFormatException.Throw($"UDP length {udpLength}");
        return ParseBootp(ethSrc, udp[UdpHeader..udpLength]);
    }

    private static DhcpRequest ParseBootp(MacAddress ethSrc, ReadOnlySpan<byte> b)
    {
        if (b.Length < BootpFixed + 4) DhcpFormatException.Throw($"BOOTP body of {b.Length} bytes");
        if (b[0] != 1) DhcpFormatException.Throw($"op {b[0]} is not BOOTREQUEST");
        if (b[1] != 1 || b[2] != 6) DhcpFormatException.Throw($"hardware type {b[1]} length {b[2]} is not Ethernet");
        if (BinaryPrimitives.ReadUInt32BigEndian(b[BootpFixed..]) != MagicCookie) DhcpFormatException.Throw("no DHCP magic cookie");
        var xid = BinaryPrimitives.ReadUInt32BigEndian(b[4..]);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(b[10..]);
        var ciaddr = new IPAddress(b.Slice(12, 4));
        var giaddr = new IPAddress(b.Slice(24, 4));
        var chaddr = MacAddress.Read(b[28..]);

        DhcpMessageType? type = null;
        IPAddress? requested = null, server = null;
        var options = b[(BootpFixed + 4)..];
        var i = 0;
        var ended = false;
        while (i < options.Length)
        {
            var code = options[i++];
            if (code == DhcpOptionCode.Pad) continue;
            if (code == DhcpOptionCode.End)
            {
                ended = true;
                break;
            }
            if (i >= options.Length) DhcpFormatException.Throw($"option {code} has no length");
            int len = options[i++];
            if (i + len > options.Length) DhcpFormatException.Throw($"option {code} of {len} bytes overruns the packet");
            var value = options.Slice(i, len);
            i += len;
            switch (code)
            {
                case DhcpOptionCode.MessageType:
                    if (len != 1 || value[0] is < 1 or > 8) DhcpFormatException.Throw("bad message type option");
                    type = (DhcpMessageType)value[0];
                    break;
                case DhcpOptionCode.RequestedIp:
                    if (len != 4) DhcpFormatException.Throw($"requested IP option of {len} bytes");
                    requested = new IPAddress(value);
                    break;
                case DhcpOptionCode.ServerId:
                    if (len != 4) DhcpFormatException.Throw($"server id option of {len} bytes");
                    server = new IPAddress(value);
                    break;
            }
        }
        if (!ended) DhcpFormatException.Throw("options have no end marker");
        if (type is null) DhcpFormatException.Throw("no message type option");
        return new DhcpRequest(ethSrc, type!.Value, xid, flags, ciaddr, giaddr, chaddr, requested, server);
    }
}
