using System.Buffers.Binary;
using System.Text;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Messages;

/// <summary>FLOW_MOD commands, OpenFlow 1.3.5 §7.3.4.2 (enum ofp_flow_mod_command).</summary>
public enum FlowModCommand : byte
{
    Add = 0,
    Modify = 1,
    ModifyStrict = 2,
    Delete = 3,
    DeleteStrict = 4,
}

/// <summary>FLOW_MOD flags (enum ofp_flow_mod_flags).</summary>
[Flags]
public enum FlowModFlags : ushort
{
    None = 0,
    SendFlowRemoved = 1,
    CheckOverlap = 2,
    ResetCounts = 4,
    NoPacketCounts = 8,
    NoByteCounts = 16,
}

/// <summary>
/// OFPT_FLOW_MOD, OpenFlow 1.3.5 §7.3.4.2 (struct ofp_flow_mod: 48 fixed bytes, ofp_match,
/// instructions). A value type over a pre-encoded <see cref="Match"/> and
/// <see cref="InstructionSet"/>: encoding is a header write and two copies, no allocation.
/// </summary>
public readonly record struct FlowMod : IOpenFlowMessage
{
    public const int FixedSize = 48;
    public const ushort DefaultPriority = 0x8000;

    private readonly Match? _match;
    private readonly InstructionSet? _instructions;

    public FlowMod()
    {
    }

    public ulong Cookie { get; init; }
    public ulong CookieMask { get; init; }
    public byte TableId { get; init; }
    public FlowModCommand Command { get; init; }
    public ushort IdleTimeout { get; init; }
    public ushort HardTimeout { get; init; }
    public ushort Priority { get; init; } = DefaultPriority;
    public uint BufferId { get; init; } = OfpConstants.NoBuffer;
    public uint OutPort { get; init; } = OfpPort.Any;
    public uint OutGroup { get; init; } = OfpConstants.GroupAny;
    public FlowModFlags Flags { get; init; }
    public Match Match { get => _match ?? Match.All; init => _match = value; }
    public InstructionSet Instructions { get => _instructions ?? InstructionSet.Drop; init => _instructions = value; }

    public static FlowMod Add(byte table, ushort priority, Match match, InstructionSet instructions, ulong cookie = 0) =>
        new() { TableId = table, Priority = priority, Match = match, Instructions = instructions, Cookie = cookie };

    /// <summary>Non-strict delete of every flow in <paramref name="table"/> (default: all tables) matching <paramref name="match"/>.</summary>
    public static FlowMod Delete(Match? match = null, byte table = OfpTable.All, ulong cookie = 0, ulong cookieMask = 0) =>
        new() { Command = FlowModCommand.Delete, TableId = table, Match = match ?? Match.All, Cookie = cookie, CookieMask = cookieMask };

    public int Size => FixedSize + Match.Size + Instructions.Size;

    public void Write(Span<byte> dst, uint xid)
    {
        var match = Match;
        var instructions = Instructions;
        var size = FixedSize + match.Size + instructions.Size;
        OfpHeader.Write(dst, OfpType.FlowMod, size, xid);
        BinaryPrimitives.WriteUInt64BigEndian(dst[8..], Cookie);
        BinaryPrimitives.WriteUInt64BigEndian(dst[16..], CookieMask);
        dst[24] = TableId;
        dst[25] = (byte)Command;
        BinaryPrimitives.WriteUInt16BigEndian(dst[26..], IdleTimeout);
        BinaryPrimitives.WriteUInt16BigEndian(dst[28..], HardTimeout);
        BinaryPrimitives.WriteUInt16BigEndian(dst[30..], Priority);
        BinaryPrimitives.WriteUInt32BigEndian(dst[32..], BufferId);
        BinaryPrimitives.WriteUInt32BigEndian(dst[36..], OutPort);
        BinaryPrimitives.WriteUInt32BigEndian(dst[40..], OutGroup);
        BinaryPrimitives.WriteUInt16BigEndian(dst[44..], (ushort)Flags);
        dst[46] = 0;
        dst[47] = 0;
        var o = FixedSize + match.Write(dst[FixedSize..]);
        instructions.Bytes.CopyTo(dst[o..]);
    }

    /// <summary>Decodes a whole FLOW_MOD message (header included).</summary>
    public static FlowMod Read(ReadOnlySpan<byte> msg)
    {
        if ((OfpType)OfpHeader.Read(msg).Type != OfpType.FlowMod) ProtocolThrow.Malformed("not a FLOW_MOD");
        msg = OfpHeader.Frame(msg, FixedSize + 8, "flow_mod");
        var match = Match.Read(msg[FixedSize..], out var matchSize);
        return new FlowMod
        {
            Cookie = BinaryPrimitives.ReadUInt64BigEndian(msg[8..]),
            CookieMask = BinaryPrimitives.ReadUInt64BigEndian(msg[16..]),
            TableId = msg[24],
            Command = (FlowModCommand)msg[25],
            IdleTimeout = BinaryPrimitives.ReadUInt16BigEndian(msg[26..]),
            HardTimeout = BinaryPrimitives.ReadUInt16BigEndian(msg[28..]),
            Priority = BinaryPrimitives.ReadUInt16BigEndian(msg[30..]),
            BufferId = BinaryPrimitives.ReadUInt32BigEndian(msg[32..]),
            OutPort = BinaryPrimitives.ReadUInt32BigEndian(msg[36..]),
            OutGroup = BinaryPrimitives.ReadUInt32BigEndian(msg[40..]),
            Flags = (FlowModFlags)BinaryPrimitives.ReadUInt16BigEndian(msg[44..]),
            Match = match,
            Instructions = InstructionSet.Read(msg[(FixedSize + matchSize)..]),
        };
    }

    public bool Equals(FlowMod other) =>
        Cookie == other.Cookie && CookieMask == other.CookieMask && TableId == other.TableId && Command == other.Command &&
        IdleTimeout == other.IdleTimeout && HardTimeout == other.HardTimeout && Priority == other.Priority &&
        BufferId == other.BufferId && OutPort == other.OutPort && OutGroup == other.OutGroup && Flags == other.Flags &&
        Match.Equals(other.Match) && Instructions.Equals(other.Instructions);

    public override int GetHashCode() => HashCode.Combine(Cookie, TableId, Priority, Command, Match, Instructions);

    /// <summary>
    /// ovs-ofctl flow syntax, e.g. <c>table=17,priority=100,metadata=0x5 actions=goto_table:64</c>;
    /// for delete/modify commands only the selection part (no actions) plus cookie/mask and out_port.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        var isDelete = Command is FlowModCommand.Delete or FlowModCommand.DeleteStrict;
        if (Cookie != 0 || CookieMask != 0)
            sb.Append(CookieMask == 0 || Command == FlowModCommand.Add ? $"cookie=0x{Cookie:x}," : $"cookie=0x{Cookie:x}/0x{CookieMask:x},");
        if (!(isDelete && TableId == OfpTable.All)) sb.Append($"table={TableId},");
        if (!isDelete || Command == FlowModCommand.DeleteStrict) sb.Append($"priority={Priority},");
        if (IdleTimeout != 0) sb.Append($"idle_timeout={IdleTimeout},");
        if (HardTimeout != 0) sb.Append($"hard_timeout={HardTimeout},");
        if (Flags.HasFlag(FlowModFlags.SendFlowRemoved)) sb.Append("send_flow_rem,");
        if (Flags.HasFlag(FlowModFlags.CheckOverlap)) sb.Append("check_overlap,");
        if (Flags.HasFlag(FlowModFlags.ResetCounts)) sb.Append("reset_counts,");
        if (Flags.HasFlag(FlowModFlags.NoPacketCounts)) sb.Append("no_packet_counts,");
        if (Flags.HasFlag(FlowModFlags.NoByteCounts)) sb.Append("no_byte_counts,");
        if (OutPort != OfpPort.Any) sb.Append($"out_port={OfpPort.Format(OutPort)},");
        if (OutGroup != OfpConstants.GroupAny) sb.Append($"out_group={OutGroup},");
        sb.Append(Match.ToString());
        if (sb.Length > 0 && sb[^1] == ',') sb.Length--;
        if (!isDelete)
            sb.Append(" actions=").Append(Instructions.ToString());
        return sb.ToString();
    }
}
