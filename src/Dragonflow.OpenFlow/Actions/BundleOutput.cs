using System.Buffers.Binary;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Actions;

/// <summary>How <see cref="BundleOutput"/> chooses among its live members (NX_BD_ALG_*).</summary>
public enum BundleAlgorithm : ushort
{
    /// <summary>The first live member, in the order given.</summary>
    ActiveBackup = 0,

    /// <summary>Highest random weight over a hash of <see cref="BundleHashFields"/>.</summary>
    HighestRandomWeight = 1,
}

/// <summary>What <see cref="BundleOutput"/> hashes (NX_HASH_FIELDS_*); active_backup ignores it.</summary>
public enum BundleHashFields : ushort
{
    EthSrc = 0,
    SymmetricL4 = 1,
}

/// <summary>
/// NXAST_BUNDLE (nicira-ext.h struct nx_action_bundle: 32 bytes, then one 16-bit OpenFlow 1.0
/// port per member, padded to 8): output to one member port chosen by the switch itself among
/// the members it considers alive — a tunnel port with BFD is alive while BFD says it
/// forwards — so the choice follows a failure without the controller. No live member: dropped.
/// </summary>
public sealed record BundleOutput : OfAction
{
    public const ushort Subtype = 12;
    private const int FixedSize = 32;

    /// <summary>NXM_OF_IN_PORT: the members are ports (the only kind Open vSwitch accepts).</summary>
    private const uint MemberTypeInPort = 0x0000_0002;

    public BundleAlgorithm Algorithm { get; init; } = BundleAlgorithm.ActiveBackup;
    public BundleHashFields Fields { get; init; } = BundleHashFields.EthSrc;
    public ushort Basis { get; init; }
    public IReadOnlyList<ushort> Members { get; init; } = [];

    public override int Size => Pad.To8(FixedSize + 2 * Members.Count);

    public override void Write(Span<byte> dst)
    {
        var size = Size;
        dst[..size].Clear();
        NxAction.WriteHeader(dst, size, Subtype);
        BinaryPrimitives.WriteUInt16BigEndian(dst[10..], (ushort)Algorithm);
        BinaryPrimitives.WriteUInt16BigEndian(dst[12..], (ushort)Fields);
        BinaryPrimitives.WriteUInt16BigEndian(dst[14..], Basis);
        BinaryPrimitives.WriteUInt32BigEndian(dst[16..], MemberTypeInPort);
        BinaryPrimitives.WriteUInt16BigEndian(dst[20..], (ushort)Members.Count);
        // ofs_nbits and dst (22..28) are bundle_load's; zero here, as are the 4 reserved bytes.
        for (var i = 0; i < Members.Count; i++) BinaryPrimitives.WriteUInt16BigEndian(dst[(FixedSize + 2 * i)..], Members[i]);
    }

    internal static BundleOutput Read(ReadOnlySpan<byte> a)
    {
        ProtocolThrow.Need(a, FixedSize, "bundle action");
        var count = BinaryPrimitives.ReadUInt16BigEndian(a[20..]);
        ProtocolThrow.Need(a, FixedSize + 2 * count, "bundle members");
        var members = new ushort[count];
        for (var i = 0; i < count; i++) members[i] = BinaryPrimitives.ReadUInt16BigEndian(a[(FixedSize + 2 * i)..]);
        return new BundleOutput
        {
            Algorithm = (BundleAlgorithm)BinaryPrimitives.ReadUInt16BigEndian(a[10..]),
            Fields = (BundleHashFields)BinaryPrimitives.ReadUInt16BigEndian(a[12..]),
            Basis = BinaryPrimitives.ReadUInt16BigEndian(a[14..]),
            Members = members,
        };
    }

    /// <summary>As ovs-ofctl prints it.</summary>
    public override string ToString()
    {
        var fields = Fields == BundleHashFields.SymmetricL4 ? "symmetric_l4" : "eth_src";
        var algorithm = Algorithm == BundleAlgorithm.ActiveBackup ? "active_backup" : "hrw";
        return $"bundle({fields},{Basis},{algorithm},ofport,members:{string.Join(",", Members)})";
    }

    public bool Equals(BundleOutput? other) =>
        other is not null && Algorithm == other.Algorithm && Fields == other.Fields && Basis == other.Basis && Members.SequenceEqual(other.Members);

    public override int GetHashCode() => HashCode.Combine(Algorithm, Fields, Basis, Members.Count);
}
