namespace Dragonflow.OpenFlow.Matching;

/// <summary>How a field's value is spelled in ovs-ofctl syntax.</summary>
public enum FieldFormat
{
    Decimal,
    Hex,
    Mac,
    Ipv4,
    Ipv6,
    Port,
    CtState,
}

/// <summary>
/// One match field: its OXM/NXM class and field number, value width and whether the switch
/// accepts a mask. <see cref="OxmFields"/> holds the table; it drives encoding, decoding and
/// formatting alike. Header layout: OpenFlow 1.3.5 §7.2.3.2 (class:16 field:7 hasmask:1 length:8).
/// </summary>
public sealed class OxmField
{
    internal OxmField(string name, ushort oxmClass, byte field, int width, bool maskable, FieldFormat format, int rank, string? nxmName = null, (ushort Class, byte Field)? nxm = null)
    {
        NxmKey = nxm is { } n ? ((uint)n.Class << 16) | ((uint)n.Field << 9) : ((uint)oxmClass << 16) | ((uint)field << 9);
        Name = name;
        Class = oxmClass;
        Field = field;
        Width = width;
        Maskable = maskable;
        Format = format;
        Rank = rank;
        NxmName = nxmName;
    }

    /// <summary>ovs-ofctl name (e.g. <c>dl_dst</c>, <c>reg7</c>).</summary>
    public string Name { get; }
    public ushort Class { get; }
    public byte Field { get; }

    /// <summary>Value width in bytes.</summary>
    public int Width { get; }
    public bool Maskable { get; }
    public FieldFormat Format { get; }

    /// <summary>
    /// Position in Open vSwitch's canonical encoding order (nx-match.c nx_put_raw), so that a match
    /// we build encodes to the same bytes ovs-ofctl would send.
    /// </summary>
    internal int Rank { get; }

    /// <summary>Name used in sub-field syntax (<c>NXM_NX_REG6[0..15]</c>).</summary>
    public string? NxmName { get; }

    /// <summary>The TLV header, with or without the mask bit.</summary>
    public uint Header(bool hasMask) =>
        ((uint)Class << 16) | ((uint)Field << 9) | (hasMask ? 0x100u : 0u) | (uint)(hasMask ? Width * 2 : Width);

    /// <summary>The header identity without mask bit and length (class and field).</summary>
    public uint Key => ((uint)Class << 16) | ((uint)Field << 9);

    /// <summary>
    /// The identity in Nicira's older NXM space when the field has one there (NXM_OF_ETH_SRC for
    /// eth_src...). Nicira actions (move, ct zone) name fields this way, as Open vSwitch does.
    /// </summary>
    public uint NxmKey { get; }

    /// <summary>The header used inside Nicira actions (NXM when there is one, else OXM).</summary>
    public uint NxmHeader => NxmKey | (uint)Width;

    public string SubfieldName => NxmName ?? Name;

    public override string ToString() => Name;
}
