using System.Buffers.Binary;

namespace Dragonflow.OpenFlow.Actions;

/// <summary>
/// The tables a flow's packets continue in — goto_table (OpenFlow 1.3.5 §7.2.5), a resubmit
/// to a table (NXAST_RESUBMIT_TABLE) and conntrack recirculation (NXAST_CT recirc_table) —
/// read straight from an <see cref="InstructionSet"/>'s encoding, so checking a flow's
/// destinations allocates nothing. A resubmit to "the current table" and ct without
/// recirculation lead nowhere new and are not reported.
/// </summary>
public static class NextTables
{
    /// <summary>True if every table <paramref name="instructions"/> continue in is in <paramref name="allowed"/>; else the first one that is not.</summary>
    public static bool OnlyIn(InstructionSet instructions, IReadOnlyCollection<byte> allowed, out byte offending)
    {
        var src = instructions.Bytes;
        while (src.Length >= 4)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(src);
            var len = BinaryPrimitives.ReadUInt16BigEndian(src[2..]);
            if (len < 4 || len > src.Length) break;
            var body = src[..len];
            if (type == GotoTable.Type && len >= 8 && !allowed.Contains(body[4]))
            {
                offending = body[4];
                return false;
            }
            if ((type == ApplyActions.Type || type == WriteActions.Type) && len >= 8 && !ActionsOnlyIn(body[8..], allowed, out offending))
                return false;
            src = src[len..];
        }
        offending = 0;
        return true;
    }

    private static bool ActionsOnlyIn(ReadOnlySpan<byte> actions, IReadOnlyCollection<byte> allowed, out byte offending)
    {
        while (actions.Length >= 4)
        {
            var len = BinaryPrimitives.ReadUInt16BigEndian(actions[2..]);
            if (len < 4 || len > actions.Length) break;
            var a = actions[..len];
            if (BinaryPrimitives.ReadUInt16BigEndian(a) == NxAction.ExperimenterType && len >= 16 &&
                BinaryPrimitives.ReadUInt32BigEndian(a[4..]) == NxAction.NiciraVendor)
            {
                byte? table = BinaryPrimitives.ReadUInt16BigEndian(a[8..]) switch
                {
                    Resubmit.SubtypeResubmitTable when a[12] != Protocol.OfpTable.All => a[12],
                    Ct.Subtype when len >= 24 && a[18] != Ct.NoRecirculation => a[18],
                    _ => null,
                };
                if (table is { } t && !allowed.Contains(t))
                {
                    offending = t;
                    return false;
                }
            }
            actions = actions[len..];
        }
        offending = 0;
        return true;
    }
}
