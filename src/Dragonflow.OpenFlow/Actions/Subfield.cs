using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.OpenFlow.Actions;

/// <summary>A bit range of a field, as used by move and ct(zone=...): <c>NXM_NX_REG6[0..15]</c>.</summary>
public readonly record struct Subfield(OxmField Field, int Offset, int Bits)
{
    public static Subfield Whole(OxmField field) => new(field, 0, field.Width * 8);

    public override string ToString()
    {
        if (Offset == 0 && Bits == Field.Width * 8) return $"{Field.SubfieldName}[]";
        if (Bits == 1) return $"{Field.SubfieldName}[{Offset}]";
        return $"{Field.SubfieldName}[{Offset}..{Offset + Bits - 1}]";
    }
}
