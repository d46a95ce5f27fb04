namespace Dragonflow.OpenFlow.Matching;

/// <summary>Connection tracking state bits of NXM_NX_CT_STATE (Open vSwitch meta-flow.h, CS_*).</summary>
[Flags]
public enum CtStateFlags : uint
{
    None = 0,
    New = 0x01,
    Established = 0x02,
    Related = 0x04,
    Reply = 0x08,
    Invalid = 0x10,
    Tracked = 0x20,
    SourceNat = 0x40,
    DestinationNat = 0x80,
}

internal static class CtStateText
{
    private static readonly (CtStateFlags Bit, string Name)[] s_names =
    [
        (CtStateFlags.New, "new"), (CtStateFlags.Established, "est"), (CtStateFlags.Related, "rel"), (CtStateFlags.Reply, "rpl"),
        (CtStateFlags.Invalid, "inv"), (CtStateFlags.Tracked, "trk"), (CtStateFlags.SourceNat, "snat"), (CtStateFlags.DestinationNat, "dnat"),
    ];

    /// <summary>ovs-ofctl flag syntax: <c>+trk+est-new</c>.</summary>
    public static string Format(uint value, uint mask)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var (bit, name) in s_names)
        {
            if ((mask & (uint)bit) == 0) continue;
            sb.Append((value & (uint)bit) != 0 ? '+' : '-').Append(name);
        }
        var unknown = mask & ~0xffu;
        if (unknown != 0)
            return $"0x{value:x}/0x{mask:x}";
        return sb.Length == 0 ? "0/0" : sb.ToString();
    }
}
