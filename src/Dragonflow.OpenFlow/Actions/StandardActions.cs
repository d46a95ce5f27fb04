using System.Buffers.Binary;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Actions;

/// <summary>OFPAT_OUTPUT, OpenFlow 1.3.5 §7.2.5.1 (struct ofp_action_output, 16 bytes).</summary>
public sealed record Output(uint Port, ushort MaxLen = 0) : OfAction
{
    public const ushort Type = 0;
    public const int Length = 16;

    /// <summary>Send to the controller; <paramref name="maxLen"/> 0xffff = the whole packet.</summary>
    public static Output ToController(ushort maxLen = OfpConstants.ControllerMaxLenNoBuffer) => new(OfpPort.Controller, maxLen);
    public static readonly Output InPort = new(OfpPort.InPort);

    public override int Size => Length;

    public override void Write(Span<byte> dst)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, Type);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], Length);
        BinaryPrimitives.WriteUInt32BigEndian(dst[4..], Port);
        BinaryPrimitives.WriteUInt16BigEndian(dst[8..], MaxLen);
        dst[10..16].Clear();
    }

    internal static Output Read(ReadOnlySpan<byte> a)
    {
        if (a.Length != Length) ProtocolThrow.Malformed($"output action of {a.Length} bytes");
        return new Output(BinaryPrimitives.ReadUInt32BigEndian(a[4..]), BinaryPrimitives.ReadUInt16BigEndian(a[8..]));
    }

    public override string ToString() => Port switch
    {
        OfpPort.Controller => $"CONTROLLER:{MaxLen}",
        < OfpPort.Max => $"output:{Port}",
        _ => OfpPort.Format(Port),
    };
}

/// <summary>OFPAT_GROUP, §7.2.5.4 (struct ofp_action_group, 8 bytes).</summary>
public sealed record Group(uint GroupId) : OfAction
{
    public const ushort Type = 22;
    public override int Size => 8;

    public override void Write(Span<byte> dst)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, Type);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], 8);
        BinaryPrimitives.WriteUInt32BigEndian(dst[4..], GroupId);
    }

    internal static Group Read(ReadOnlySpan<byte> a) => new(BinaryPrimitives.ReadUInt32BigEndian(a[4..]));
    public override string ToString() => $"group:{GroupId}";
}

/// <summary>OFPAT_PUSH_VLAN, §7.2.5.6 (struct ofp_action_push, 8 bytes).</summary>
public sealed record PushVlan(ushort EtherType = 0x8100) : OfAction
{
    public const ushort Type = 17;
    public override int Size => 8;

    public override void Write(Span<byte> dst)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, Type);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], 8);
        BinaryPrimitives.WriteUInt16BigEndian(dst[4..], EtherType);
        dst[6..8].Clear();
    }

    internal static PushVlan Read(ReadOnlySpan<byte> a) => new(BinaryPrimitives.ReadUInt16BigEndian(a[4..]));
    public override string ToString() => $"push_vlan:0x{EtherType:x4}";
}

/// <summary>OFPAT_POP_VLAN, §7.2.5.7 (struct ofp_action_generic, 8 bytes).</summary>
public sealed record PopVlan : OfAction
{
    public const ushort Type = 18;
    public override int Size => 8;
    public override void Write(Span<byte> dst) => ActionBytes.WriteGeneric(dst, Type);
    public override string ToString() => "pop_vlan";
}

/// <summary>OFPAT_DEC_NW_TTL, §7.2.5.5 (struct ofp_action_generic, 8 bytes); ovs-ofctl calls it dec_ttl.</summary>
public sealed record DecNwTtl : OfAction
{
    public const ushort Type = 24;
    public override int Size => 8;
    public override void Write(Span<byte> dst) => ActionBytes.WriteGeneric(dst, Type);
    public override string ToString() => "dec_ttl";
}

/// <summary>OFPAT_SET_FIELD, §7.2.5.9 (struct ofp_action_set_field: one OXM TLV, padded to 8).</summary>
public sealed record SetField(MatchField Field) : OfAction
{
    public const ushort Type = 25;

    public override int Size => Pad.To8(4 + Field.Size);

    public override void Write(Span<byte> dst)
    {
        var size = Size;
        BinaryPrimitives.WriteUInt16BigEndian(dst, Type);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], (ushort)size);
        var n = Field.Write(dst[4..]);
        dst[(4 + n)..size].Clear();
    }

    internal static SetField Read(ReadOnlySpan<byte> a)
    {
        ProtocolThrow.Need(a, 8, "set_field");
        var len = (int)(BinaryPrimitives.ReadUInt32BigEndian(a[4..]) & 0xff);
        ProtocolThrow.Need(a, 8 + len, "set_field value");
        var r = new OxmReader(a.Slice(4, 4 + len));
        r.MoveNext(out var header, out var value, out var mask);
        return new SetField(Match.Decode(header, value, mask));
    }

    public override string ToString() => $"set_field:{Field.FormatValue()}->{Field.Field.Name}";
}

internal static class ActionBytes
{
    public static void WriteGeneric(Span<byte> dst, ushort type)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, type);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], 8);
        dst[4..8].Clear();
    }
}
