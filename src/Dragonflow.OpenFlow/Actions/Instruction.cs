using System.Buffers.Binary;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Actions;

/// <summary>An instruction of a flow entry, OpenFlow 1.3.5 §7.2.4 (struct ofp_instruction).</summary>
public abstract record Instruction
{
    public abstract int Size { get; }
    public abstract void Write(Span<byte> dst);

    public static GotoTable Goto(byte table) => new(table);
    public static ApplyActions Apply(params OfAction[] actions) => new(actions);
    public static WriteActions Write(params OfAction[] actions) => new(actions);
    public static readonly ClearActions Clear = new();

    internal static IReadOnlyList<Instruction> ReadAll(ReadOnlySpan<byte> src)
    {
        var list = new List<Instruction>();
        while (!src.IsEmpty)
        {
            ProtocolThrow.Need(src, 8, "instruction header");
            var type = BinaryPrimitives.ReadUInt16BigEndian(src);
            var len = BinaryPrimitives.ReadUInt16BigEndian(src[2..]);
            if (len < 8 || (len & 7) != 0)
                ProtocolThrow.Malformed($"instruction length {len} is not a positive multiple of 8");
            ProtocolThrow.Need(src, len, "instruction");
            var body = src[..len];
            list.Add(type switch
            {
                GotoTable.Type when len == 8 => new GotoTable(body[4]),
                WriteMetadata.Type when len == 24 => new WriteMetadata(BinaryPrimitives.ReadUInt64BigEndian(body[8..]), BinaryPrimitives.ReadUInt64BigEndian(body[16..])),
                ApplyActions.Type => new ApplyActions(OfAction.ReadAll(body[8..])),
                WriteActions.Type => new WriteActions(OfAction.ReadAll(body[8..])),
                ClearActions.Type when len == 8 => new ClearActions(),
                _ => new UnknownInstruction(body.ToArray()),
            });
            src = src[len..];
        }
        return list;
    }

    /// <summary>
    /// ovs-ofctl syntax for a whole instruction set: apply-actions are listed bare, the rest by
    /// name, e.g. <c>set_field:0x7->reg7,goto_table:64</c>; nothing at all is <c>drop</c>.
    /// </summary>
    public static string Format(IReadOnlyList<Instruction> instructions)
    {
        var parts = new List<string>();
        foreach (var i in instructions)
        {
            if (i is ApplyActions a)
            {
                if (a.Actions.Count > 0) parts.Add(OfAction.Format(a.Actions));
            }
            else parts.Add(i.ToString()!);
        }
        return parts.Count == 0 ? "drop" : string.Join(",", parts);
    }
}

/// <summary>OFPIT_GOTO_TABLE (struct ofp_instruction_goto_table, 8 bytes).</summary>
public sealed record GotoTable(byte Table) : Instruction
{
    public const ushort Type = 1;
    public override int Size => 8;

    public override void Write(Span<byte> dst)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, Type);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], 8);
        dst[4] = Table;
        dst[5..8].Clear();
    }

    public override string ToString() => $"goto_table:{Table}";
}

/// <summary>OFPIT_WRITE_METADATA (struct ofp_instruction_write_metadata, 24 bytes).</summary>
public sealed record WriteMetadata(ulong Metadata, ulong Mask = ulong.MaxValue) : Instruction
{
    public const ushort Type = 2;
    public override int Size => 24;

    public override void Write(Span<byte> dst)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, Type);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], 24);
        dst[4..8].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(dst[8..], Metadata);
        BinaryPrimitives.WriteUInt64BigEndian(dst[16..], Mask);
    }

    public override string ToString() => Mask == ulong.MaxValue ? $"write_metadata:0x{Metadata:x}" : $"write_metadata:0x{Metadata:x}/0x{Mask:x}";
}

/// <summary>Common shape of OFPIT_APPLY_ACTIONS / OFPIT_WRITE_ACTIONS (struct ofp_instruction_actions).</summary>
public abstract record ActionsInstruction(IReadOnlyList<OfAction> Actions) : Instruction
{
    protected abstract ushort InstructionType { get; }
    public override int Size => 8 + OfAction.SizeOf(Actions);

    public override void Write(Span<byte> dst)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, InstructionType);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], (ushort)Size);
        dst[4..8].Clear();
        OfAction.WriteAll(Actions, dst[8..]);
    }

    public virtual bool Equals(ActionsInstruction? other) =>
        other is not null && other.InstructionType == InstructionType && Actions.SequenceEqual(other.Actions);

    public override int GetHashCode() => HashCode.Combine(InstructionType, Actions.Count);
}

public sealed record ApplyActions(IReadOnlyList<OfAction> Actions) : ActionsInstruction(Actions)
{
    public const ushort Type = 4;
    protected override ushort InstructionType => Type;
    public override string ToString() => OfAction.Format(Actions);
}

public sealed record WriteActions(IReadOnlyList<OfAction> Actions) : ActionsInstruction(Actions)
{
    public const ushort Type = 3;
    protected override ushort InstructionType => Type;
    public override string ToString() => $"write_actions({OfAction.Format(Actions)})";
}

/// <summary>OFPIT_CLEAR_ACTIONS (8 bytes).</summary>
public sealed record ClearActions : Instruction
{
    public const ushort Type = 5;
    public override int Size => 8;

    public override void Write(Span<byte> dst)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dst, Type);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], 8);
        dst[4..8].Clear();
    }

    public override string ToString() => "clear_actions";
}

/// <summary>An instruction this library does not model (meter, experimenter), kept as bytes.</summary>
public sealed record UnknownInstruction(byte[] Bytes) : Instruction
{
    public override int Size => Bytes.Length;
    public override void Write(Span<byte> dst) => Bytes.CopyTo(dst);
    public override string ToString() => $"unknown_instruction({Convert.ToHexStringLower(Bytes)})";
    public bool Equals(UnknownInstruction? other) => other is not null && Bytes.AsSpan().SequenceEqual(other.Bytes);
    public override int GetHashCode() => Bytes.Length;
}
