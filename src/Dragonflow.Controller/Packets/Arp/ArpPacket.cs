using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Packets.Arp;

/// <summary>
/// An ARP packet for IPv4 over Ethernet (RFC 826) in an untagged Ethernet II frame: 14 bytes
/// of Ethernet header (destination, source, EtherType 0x0806), then htype 1, ptype 0x0800,
/// hlen 6, plen 4, the operation, sender MAC and IP, target MAC and IP (28 bytes).
/// </summary>
public sealed record ArpPacket(ushort Operation, MacAddress SenderMac, IPAddress SenderIp, MacAddress TargetMac, IPAddress TargetIp)
{
    public const ushort EtherType = EtherTypes.Arp;
    public const ushort Request = 1;
    public const ushort Reply = 2;

    /// <summary>Ethernet header plus the ARP body; shorter frames are no ARP we understand.</summary>
    public const int FrameLength = 14 + 28;

    /// <summary>"Who has <paramref name="targetIp"/>? Tell <paramref name="senderIp"/>", broadcast.</summary>
    public static ArpPacket RequestFor(IPAddress targetIp, MacAddress senderMac, IPAddress senderIp) =>
        new(Request, senderMac, senderIp, new MacAddress(0), targetIp);

    /// <summary>A gratuitous ARP (a request for its own address): switches and neighbours learn where the address now lives.</summary>
    public static ArpPacket Gratuitous(MacAddress mac, IPAddress ip) => new(Request, mac, ip, new MacAddress(0), ip);

    /// <summary>Parses an ARP frame; null for anything else (other EtherTypes, other hardware or protocol types, truncated).</summary>
    public static ArpPacket? TryParse(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < FrameLength || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherType) return null;
        var arp = frame[14..];
        if (BinaryPrimitives.ReadUInt16BigEndian(arp) != 1 || BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) != EtherTypes.Ipv4 || arp[4] != 6 || arp[5] != 4)
            return null;
        return new ArpPacket(BinaryPrimitives.ReadUInt16BigEndian(arp[6..]), MacAddress.Read(arp[8..]), new IPAddress(arp.Slice(14, 4)),
            MacAddress.Read(arp[18..]), new IPAddress(arp.Slice(24, 4)));
    }

    /// <summary>The frame: to <paramref name="destination"/> (broadcast when null), from the sender MAC.</summary>
    public byte[] ToFrame(MacAddress? destination = null)
    {
        if (SenderIp.AddressFamily != AddressFamily.InterNetwork || TargetIp.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException("ARP carries IPv4 addresses only");
        var f = new byte[FrameLength];
        (destination ?? MacAddress.Broadcast).Write(f);
        SenderMac.Write(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), EtherType);
        var arp = f.AsSpan(14);
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], EtherTypes.Ipv4);
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], Operation);
        SenderMac.Write(arp[8..]);
        SenderIp.TryWriteBytes(arp[14..], out _);
        TargetMac.Write(arp[18..]);
        TargetIp.TryWriteBytes(arp[24..], out _);
        return f;
    }
}
