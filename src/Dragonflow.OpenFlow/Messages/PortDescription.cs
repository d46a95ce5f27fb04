using System.Buffers.Binary;
using System.Text;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Messages;

/// <summary>A switch port, OpenFlow 1.3.5 §7.2.1 (struct ofp_port, 64 bytes).</summary>
public sealed record PortDescription(uint PortNo, MacAddress HwAddr, string Name, uint Config, uint State, uint Curr, uint Advertised, uint Supported, uint Peer, uint CurrSpeed, uint MaxSpeed)
{
    public const int Length = 64;
    public const uint ConfigPortDown = 1;
    public const uint StateLinkDown = 1;

    public bool IsUp => (Config & ConfigPortDown) == 0 && (State & StateLinkDown) == 0;

    public static PortDescription Read(ReadOnlySpan<byte> p)
    {
        ProtocolThrow.Need(p, Length, "ofp_port");
        var name = p.Slice(16, 16);
        var nul = name.IndexOf((byte)0);
        return new PortDescription(
            BinaryPrimitives.ReadUInt32BigEndian(p),
            MacAddress.Read(p[8..]),
            Encoding.ASCII.GetString(nul < 0 ? name : name[..nul]),
            BinaryPrimitives.ReadUInt32BigEndian(p[32..]),
            BinaryPrimitives.ReadUInt32BigEndian(p[36..]),
            BinaryPrimitives.ReadUInt32BigEndian(p[40..]),
            BinaryPrimitives.ReadUInt32BigEndian(p[44..]),
            BinaryPrimitives.ReadUInt32BigEndian(p[48..]),
            BinaryPrimitives.ReadUInt32BigEndian(p[52..]),
            BinaryPrimitives.ReadUInt32BigEndian(p[56..]),
            BinaryPrimitives.ReadUInt32BigEndian(p[60..]));
    }

    public void Write(Span<byte> d)
    {
        d[..Length].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(d, PortNo);
        HwAddr.Write(d[8..]);
        Encoding.ASCII.GetBytes(Name.AsSpan(0, Math.Min(15, Name.Length)), d.Slice(16, 16));
        BinaryPrimitives.WriteUInt32BigEndian(d[32..], Config);
        BinaryPrimitives.WriteUInt32BigEndian(d[36..], State);
        BinaryPrimitives.WriteUInt32BigEndian(d[40..], Curr);
        BinaryPrimitives.WriteUInt32BigEndian(d[44..], Advertised);
        BinaryPrimitives.WriteUInt32BigEndian(d[48..], Supported);
        BinaryPrimitives.WriteUInt32BigEndian(d[52..], Peer);
        BinaryPrimitives.WriteUInt32BigEndian(d[56..], CurrSpeed);
        BinaryPrimitives.WriteUInt32BigEndian(d[60..], MaxSpeed);
    }

    public override string ToString() => $"{PortNo}({Name}): addr:{HwAddr}{(IsUp ? "" : " down")}";
}

public enum PortStatusReason : byte
{
    Add = 0,
    Delete = 1,
    Modify = 2,
}

/// <summary>OFPT_PORT_STATUS, §7.4.3 (struct ofp_port_status: header, reason, 7 pad, ofp_port = 80 bytes).</summary>
public sealed record PortStatus(PortStatusReason Reason, PortDescription Port)
{
    public const int Length = 80;

    public static PortStatus Read(ReadOnlySpan<byte> msg)
    {
        ProtocolThrow.Need(msg, Length, "port_status");
        return new PortStatus((PortStatusReason)msg[8], PortDescription.Read(msg[16..]));
    }

    public byte[] ToBytes(uint xid = 0)
    {
        var b = new byte[Length];
        OfpHeader.Write(b, OfpType.PortStatus, Length, xid);
        b[8] = (byte)Reason;
        Port.Write(b.AsSpan(16));
        return b;
    }
}
