using System.Buffers.Binary;
using System.Net;
using System.Text;
using Dragonflow.OpenFlow.Matching;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Actions;

/// <summary>
/// NXAST_RESUBMIT / NXAST_RESUBMIT_TABLE (nicira-ext.h struct nx_action_resubmit, 16 bytes).
/// <paramref name="Port"/> is a 16-bit OpenFlow 1.0 port; 0xfff8 (IN_PORT) keeps the packet's in_port.
/// A table of 0xff means "the current table". Sent as NXAST_RESUBMIT_TABLE, as Open vSwitch 3.x does.
/// </summary>
public sealed record Resubmit(ushort Port = Resubmit.InPort, byte Table = OfpTable.All) : OfAction
{
    public const ushort SubtypeResubmit = 1;
    public const ushort SubtypeResubmitTable = 14;
    public const ushort InPort = 0xfff8;

    public static Resubmit ToTable(byte table) => new(InPort, table);

    public override int Size => 16;

    public override void Write(Span<byte> dst)
    {
        NxAction.WriteHeader(dst, 16, SubtypeResubmitTable);
        BinaryPrimitives.WriteUInt16BigEndian(dst[10..], Port);
        dst[12] = Table;
        dst[13..16].Clear();
    }

    internal static Resubmit Read(ReadOnlySpan<byte> a, ushort subtype)
    {
        if (a.Length != 16) ProtocolThrow.Malformed("resubmit action must be 16 bytes");
        var port = BinaryPrimitives.ReadUInt16BigEndian(a[10..]);
        return new Resubmit(port, subtype == SubtypeResubmit ? OfpTable.All : a[12]);
    }

    public override string ToString()
    {
        var port = Port == InPort ? "" : Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Table == OfpTable.All ? $"resubmit:{(port.Length == 0 ? "IN_PORT" : port)}" : $"resubmit({port},{Table})";
    }
}

/// <summary>NXAST_REG_MOVE (nicira-ext.h struct nx_action_reg_move): copy bits between fields.</summary>
public sealed record RegMove(Subfield Source, Subfield Destination) : OfAction
{
    public const ushort Subtype = 6;

    public override int Size => Pad.To8(16 + 8);

    public override void Write(Span<byte> dst)
    {
        NxAction.WriteHeader(dst, Size, Subtype);
        BinaryPrimitives.WriteUInt16BigEndian(dst[10..], (ushort)Source.Bits);
        BinaryPrimitives.WriteUInt16BigEndian(dst[12..], (ushort)Source.Offset);
        BinaryPrimitives.WriteUInt16BigEndian(dst[14..], (ushort)Destination.Offset);
        BinaryPrimitives.WriteUInt32BigEndian(dst[16..], Source.Field.NxmHeader);
        BinaryPrimitives.WriteUInt32BigEndian(dst[20..], Destination.Field.NxmHeader);
    }

    internal static RegMove Read(ReadOnlySpan<byte> a)
    {
        if (a.Length != 24) ProtocolThrow.Malformed("reg_move with experimenter OXM headers is not supported");
        var bits = BinaryPrimitives.ReadUInt16BigEndian(a[10..]);
        var srcOfs = BinaryPrimitives.ReadUInt16BigEndian(a[12..]);
        var dstOfs = BinaryPrimitives.ReadUInt16BigEndian(a[14..]);
        var src = FieldOf(BinaryPrimitives.ReadUInt32BigEndian(a[16..]));
        var dst = FieldOf(BinaryPrimitives.ReadUInt32BigEndian(a[20..]));
        return new RegMove(new Subfield(src, srcOfs, bits), new Subfield(dst, dstOfs, bits));
    }

    internal static OxmField FieldOf(uint header) => OxmFields.FromHeader(header) ?? OxmFields.Unknown(header);

    public override string ToString() => $"move:{Source}->{Destination}";
}

/// <summary>NXAST_CONJUNCTION (struct nx_action_conjunction, 16 bytes). Clause is 1-based here as in ovs-ofctl; the wire carries it 0-based.</summary>
public sealed record Conjunction(uint Id, byte Clause, byte Clauses) : OfAction
{
    public const ushort Subtype = 34;
    public override int Size => 16;

    public override void Write(Span<byte> dst)
    {
        NxAction.WriteHeader(dst, 16, Subtype);
        dst[10] = (byte)(Clause - 1);
        dst[11] = Clauses;
        BinaryPrimitives.WriteUInt32BigEndian(dst[12..], Id);
    }

    internal static Conjunction Read(ReadOnlySpan<byte> a)
    {
        if (a.Length != 16) ProtocolThrow.Malformed("conjunction action must be 16 bytes");
        return new Conjunction(BinaryPrimitives.ReadUInt32BigEndian(a[12..]), (byte)(a[10] + 1), a[11]);
    }

    public override string ToString() => $"conjunction({Id},{Clause}/{Clauses})";
}

/// <summary>NXAST_DEC_TTL (16 bytes). In OpenFlow 1.3 Open vSwitch itself sends OFPAT_DEC_NW_TTL (<see cref="DecNwTtl"/>).</summary>
public sealed record NxDecTtl : OfAction
{
    public const ushort Subtype = 18;
    public override int Size => 16;

    public override void Write(Span<byte> dst)
    {
        NxAction.WriteHeader(dst, 16, Subtype);
        dst[10..16].Clear();
    }

    public override string ToString() => "dec_ttl";
}

/// <summary>
/// NXAST_CT_CLEAR (nicira-ext.h, a bare 16-byte nx_action_header): forget the packet's conntrack
/// state (ct_state, ct_zone, ct_mark, ct_label), e.g. before a pipeline stage that must not see
/// what an earlier zone said.
/// </summary>
public sealed record CtClear : OfAction
{
    public const ushort Subtype = 43;
    public override int Size => 16;

    public override void Write(Span<byte> dst)
    {
        NxAction.WriteHeader(dst, 16, Subtype);
        dst[10..16].Clear();
    }

    public override string ToString() => "ct_clear";
}

/// <summary>Flags of <see cref="Ct"/> (NX_CT_F_*).</summary>
[Flags]
public enum CtFlags : ushort
{
    None = 0,
    Commit = 1,
    Force = 2,
}

/// <summary>
/// NXAST_CT (nicira-ext.h struct nx_action_conntrack, 24 bytes + nested actions): send the
/// packet through conntrack in a zone (immediate or from a register), optionally commit and
/// continue in <see cref="RecircTable"/>; nested actions (nat, set ct_mark...) run on commit.
/// </summary>
public sealed record Ct : OfAction
{
    public const ushort Subtype = 35;
    public const byte NoRecirculation = 0xff;
    private const int FixedSize = 24;

    public CtFlags Flags { get; init; }

    /// <summary>Immediate zone, used when <see cref="ZoneSource"/> is null.</summary>
    public ushort Zone { get; init; }

    /// <summary>Zone taken from a field (e.g. <c>NXM_NX_REG6[0..15]</c>).</summary>
    public Subfield? ZoneSource { get; init; }

    public byte RecircTable { get; init; } = NoRecirculation;
    public ushort Alg { get; init; }
    public IReadOnlyList<OfAction> Actions { get; init; } = [];

    public override int Size => FixedSize + SizeOf(Actions);

    public override void Write(Span<byte> dst)
    {
        NxAction.WriteHeader(dst, Size, Subtype);
        BinaryPrimitives.WriteUInt16BigEndian(dst[10..], (ushort)Flags);
        if (ZoneSource is Subfield z)
        {
            BinaryPrimitives.WriteUInt32BigEndian(dst[12..], z.Field.NxmHeader);
            BinaryPrimitives.WriteUInt16BigEndian(dst[16..], (ushort)((z.Offset << 6) | (z.Bits - 1)));
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(dst[12..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(dst[16..], Zone);
        }
        dst[18] = RecircTable;
        dst[19..22].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(dst[22..], Alg);
        WriteAll(Actions, dst[FixedSize..]);
    }

    internal static Ct Read(ReadOnlySpan<byte> a)
    {
        ProtocolThrow.Need(a, FixedSize, "ct action");
        var zoneSrc = BinaryPrimitives.ReadUInt32BigEndian(a[12..]);
        var zoneWord = BinaryPrimitives.ReadUInt16BigEndian(a[16..]);
        return new Ct
        {
            Flags = (CtFlags)BinaryPrimitives.ReadUInt16BigEndian(a[10..]),
            Zone = zoneSrc == 0 ? zoneWord : (ushort)0,
            ZoneSource = zoneSrc == 0 ? null : new Subfield(RegMove.FieldOf(zoneSrc), zoneWord >> 6, (zoneWord & 0x3f) + 1),
            RecircTable = a[18],
            Alg = BinaryPrimitives.ReadUInt16BigEndian(a[22..]),
            Actions = ReadAll(a[FixedSize..]),
        };
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (Flags.HasFlag(CtFlags.Commit)) parts.Add("commit");
        if (Flags.HasFlag(CtFlags.Force)) parts.Add("force");
        if (RecircTable != NoRecirculation) parts.Add($"table={RecircTable}");
        if (ZoneSource is Subfield z) parts.Add($"zone={z}");
        else if (Zone != 0) parts.Add($"zone={Zone}");
        if (Alg != 0) parts.Add(Alg switch { 21 => "alg=ftp", 69 => "alg=tftp", _ => $"alg={Alg}" });
        if (Actions.Count > 0)
        {
            // ovs-ofctl spells nat inline and other nested actions inside exec(...).
            var exec = Actions.Where(x => x is not Nat).ToList();
            if (exec.Count > 0) parts.Add($"exec({string.Join(",", exec)})");
            parts.AddRange(Actions.OfType<Nat>().Select(n => n.ToString()));
        }
        return parts.Count == 0 ? "ct" : $"ct({string.Join(",", parts)})";
    }

    public bool Equals(Ct? other) =>
        other is not null && Flags == other.Flags && Zone == other.Zone && ZoneSource == other.ZoneSource &&
        RecircTable == other.RecircTable && Alg == other.Alg && Actions.SequenceEqual(other.Actions);

    public override int GetHashCode() => HashCode.Combine(Flags, Zone, RecircTable, Actions.Count);
}

/// <summary>Flags of <see cref="Nat"/> (NX_NAT_F_*).</summary>
[Flags]
public enum NatFlags : ushort
{
    None = 0,
    Source = 1,
    Destination = 2,
    Persistent = 4,
    ProtoHash = 8,
    ProtoRandom = 16,
}

/// <summary>NXAST_NAT (nicira-ext.h struct nx_action_nat: 16 bytes + the ranges present, padded to 8). Only valid inside ct.</summary>
public sealed record Nat : OfAction
{
    public const ushort Subtype = 36;
    private const ushort RangeIpv4Min = 1, RangeIpv4Max = 2, RangeIpv6Min = 4, RangeIpv6Max = 8, RangeProtoMin = 16, RangeProtoMax = 32;

    public NatFlags Flags { get; init; }
    public IPAddress? AddressMin { get; init; }
    public IPAddress? AddressMax { get; init; }
    public ushort PortMin { get; init; }
    public ushort PortMax { get; init; }

    private ushort RangePresent
    {
        get
        {
            ushort r = 0;
            var v6 = AddressMin?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            if (AddressMin is not null) r |= v6 ? RangeIpv6Min : RangeIpv4Min;
            if (AddressMax is not null) r |= v6 ? RangeIpv6Max : RangeIpv4Max;
            if (PortMin != 0) r |= RangeProtoMin;
            if (PortMax != 0) r |= RangeProtoMax;
            return r;
        }
    }

    private int RawSize
    {
        get
        {
            var r = RangePresent;
            var n = 16;
            if ((r & RangeIpv4Min) != 0) n += 4;
            if ((r & RangeIpv4Max) != 0) n += 4;
            if ((r & RangeIpv6Min) != 0) n += 16;
            if ((r & RangeIpv6Max) != 0) n += 16;
            if ((r & RangeProtoMin) != 0) n += 2;
            if ((r & RangeProtoMax) != 0) n += 2;
            return n;
        }
    }

    public override int Size => Pad.To8(RawSize);

    public override void Write(Span<byte> dst)
    {
        var size = Size;
        NxAction.WriteHeader(dst, size, Subtype);
        dst[10..12].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(dst[12..], (ushort)Flags);
        var r = RangePresent;
        BinaryPrimitives.WriteUInt16BigEndian(dst[14..], r);
        var o = 16;
        if (AddressMin is not null) { AddressMin.TryWriteBytes(dst[o..], out var n); o += n; }
        if (AddressMax is not null) { AddressMax.TryWriteBytes(dst[o..], out var n); o += n; }
        if (PortMin != 0) { BinaryPrimitives.WriteUInt16BigEndian(dst[o..], PortMin); o += 2; }
        if (PortMax != 0) { BinaryPrimitives.WriteUInt16BigEndian(dst[o..], PortMax); o += 2; }
        dst[o..size].Clear();
    }

    internal static Nat Read(ReadOnlySpan<byte> a)
    {
        ProtocolThrow.Need(a, 16, "nat action");
        var flags = (NatFlags)BinaryPrimitives.ReadUInt16BigEndian(a[12..]);
        var r = BinaryPrimitives.ReadUInt16BigEndian(a[14..]);
        var o = 16;
        IPAddress? min = null, max = null;
        ushort pmin = 0, pmax = 0;
        IPAddress Take(ReadOnlySpan<byte> s, int n)
        {
            ProtocolThrow.Need(s, o + n, "nat range");
            var ip = new IPAddress(s.Slice(o, n));
            o += n;
            return ip;
        }
        if ((r & RangeIpv4Min) != 0) min = Take(a, 4);
        if ((r & RangeIpv4Max) != 0) max = Take(a, 4);
        if ((r & RangeIpv6Min) != 0) min = Take(a, 16);
        if ((r & RangeIpv6Max) != 0) max = Take(a, 16);
        if ((r & RangeProtoMin) != 0) { ProtocolThrow.Need(a, o + 2, "nat range"); pmin = BinaryPrimitives.ReadUInt16BigEndian(a[o..]); o += 2; }
        if ((r & RangeProtoMax) != 0) { ProtocolThrow.Need(a, o + 2, "nat range"); pmax = BinaryPrimitives.ReadUInt16BigEndian(a[o..]); o += 2; }
        var nat = new Nat { Flags = flags, AddressMin = min, AddressMax = max, PortMin = pmin, PortMax = pmax };
        if (nat.RangePresent != r) ProtocolThrow.Malformed($"nat range_present 0x{r:x} is inconsistent");
        return nat;
    }

    public override string ToString()
    {
        var sb = new StringBuilder("nat");
        var kind = Flags.HasFlag(NatFlags.Source) ? "src" : Flags.HasFlag(NatFlags.Destination) ? "dst" : null;
        if (kind is null) return sb.ToString();
        sb.Append('(').Append(kind);
        if (AddressMin is not null)
        {
            sb.Append('=').Append(Addr(AddressMin));
            if (AddressMax is not null && !AddressMax.Equals(AddressMin)) sb.Append('-').Append(Addr(AddressMax));
            if (PortMin != 0)
            {
                sb.Append(':').Append(PortMin);
                if (PortMax != 0 && PortMax != PortMin) sb.Append('-').Append(PortMax);
            }
        }
        if (Flags.HasFlag(NatFlags.Persistent)) sb.Append(",persistent");
        if (Flags.HasFlag(NatFlags.ProtoHash)) sb.Append(",hash");
        if (Flags.HasFlag(NatFlags.ProtoRandom)) sb.Append(",random");
        return sb.Append(')').ToString();
    }

    private static string Addr(IPAddress ip) =>
        ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
}

/// <summary>Reasons a packet goes to the controller, OpenFlow 1.3.5 §7.4.1 (enum ofp_packet_in_reason).</summary>
public enum PacketInReason : byte
{
    NoMatch = 0,
    Action = 1,
    InvalidTtl = 2,
}

/// <summary>
/// Send to the controller with a reason, controller id, user data or pause: NXAST_CONTROLLER
/// (struct nx_action_controller, 16 bytes) or NXAST_CONTROLLER2 (16 bytes + properties), chosen as
/// Open vSwitch chooses: CONTROLLER2 when there is user data or pause.
/// </summary>
public sealed record Controller : OfAction
{
    public const ushort Subtype1 = 20;
    public const ushort Subtype2 = 37;
    private const ushort PropMaxLen = 0, PropControllerId = 1, PropReason = 2, PropUserdata = 3, PropPause = 4;

    public ushort MaxLen { get; init; } = OfpConstants.ControllerMaxLenNoBuffer;
    public ushort ControllerId { get; init; }
    public PacketInReason Reason { get; init; } = PacketInReason.Action;
    public byte[] Userdata { get; init; } = [];
    public bool Pause { get; init; }

    /// <summary>Force NXAST_CONTROLLER2 even when NXAST_CONTROLLER could carry it.</summary>
    public bool UseController2 { get; init; }

    private bool IsV2 => UseController2 || Userdata.Length > 0 || Pause;

    public override int Size
    {
        get
        {
            if (!IsV2) return 16;
            var n = 16;
            if (MaxLen != OfpConstants.ControllerMaxLenNoBuffer) n += 8;
            if (ControllerId != 0) n += 8;
            if (Reason != PacketInReason.Action) n += 8;
            if (Userdata.Length > 0) n += Pad.To8(4 + Userdata.Length);
            if (Pause) n += 8;
            return n;
        }
    }

    public override void Write(Span<byte> dst)
    {
        if (!IsV2)
        {
            NxAction.WriteHeader(dst, 16, Subtype1);
            BinaryPrimitives.WriteUInt16BigEndian(dst[10..], MaxLen);
            BinaryPrimitives.WriteUInt16BigEndian(dst[12..], ControllerId);
            dst[14] = (byte)Reason;
            dst[15] = 0;
            return;
        }
        var size = Size;
        dst[..size].Clear();
        NxAction.WriteHeader(dst, size, Subtype2);
        var o = 16;
        // Properties: struct ofp_prop_header (type, length) + value, each padded to 8.
        void Prop(Span<byte> d, ushort type, ReadOnlySpan<byte> value)
        {
            BinaryPrimitives.WriteUInt16BigEndian(d[o..], type);
            BinaryPrimitives.WriteUInt16BigEndian(d[(o + 2)..], (ushort)(4 + value.Length));
            value.CopyTo(d[(o + 4)..]);
            o += Pad.To8(4 + value.Length);
        }
        // ofpprop u16 values travel as 32 bits with the high half first (Open vSwitch ofpprop_put_u16).
        Span<byte> tmp = stackalloc byte[4];
        tmp.Clear();
        if (MaxLen != OfpConstants.ControllerMaxLenNoBuffer) { BinaryPrimitives.WriteUInt16BigEndian(tmp, MaxLen); Prop(dst, PropMaxLen, tmp); }
        if (ControllerId != 0) { BinaryPrimitives.WriteUInt16BigEndian(tmp, ControllerId); Prop(dst, PropControllerId, tmp); }
        if (Reason != PacketInReason.Action) { tmp[0] = (byte)Reason; Prop(dst, PropReason, tmp[..1]); }
        if (Userdata.Length > 0) Prop(dst, PropUserdata, Userdata);
        if (Pause) Prop(dst, PropPause, []);
    }

    internal static Controller Read(ReadOnlySpan<byte> a, ushort subtype)
    {
        if (subtype == Subtype1)
        {
            if (a.Length != 16) ProtocolThrow.Malformed("controller action must be 16 bytes");
            return new Controller
            {
                MaxLen = BinaryPrimitives.ReadUInt16BigEndian(a[10..]),
                ControllerId = BinaryPrimitives.ReadUInt16BigEndian(a[12..]),
                Reason = (PacketInReason)a[14],
            };
        }
        var c = new Controller { UseController2 = true };
        var p = a[16..];
        while (!p.IsEmpty)
        {
            ProtocolThrow.Need(p, 4, "controller2 property");
            var type = BinaryPrimitives.ReadUInt16BigEndian(p);
            var len = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
            if (len < 4) ProtocolThrow.Malformed("controller2 property shorter than its header");
            ProtocolThrow.Need(p, Pad.To8(len), "controller2 property");
            var v = p[4..len];
            c = type switch
            {
                PropMaxLen when v.Length is 2 or 4 => c with { MaxLen = BinaryPrimitives.ReadUInt16BigEndian(v) },
                PropControllerId when v.Length is 2 or 4 => c with { ControllerId = BinaryPrimitives.ReadUInt16BigEndian(v) },
                PropReason when v.Length == 1 => c with { Reason = (PacketInReason)v[0] },
                PropUserdata => c with { Userdata = v.ToArray() },
                PropPause => c with { Pause = true },
                _ => ProtocolThrow.Malformed<Controller>($"controller2 property {type} of {v.Length} bytes is not understood"),
            };
            p = p[Pad.To8(len)..];
        }
        return c;
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (Reason != PacketInReason.Action) parts.Add($"reason={ReasonName(Reason)}");
        if (MaxLen != OfpConstants.ControllerMaxLenNoBuffer) parts.Add($"max_len={MaxLen}");
        if (ControllerId != 0) parts.Add($"id={ControllerId}");
        if (Userdata.Length > 0) parts.Add("userdata=" + string.Join(".", Userdata.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))));
        if (Pause) parts.Add("pause");
        return $"controller({string.Join(",", parts)})";
    }

    private static string ReasonName(PacketInReason r) => r switch
    {
        PacketInReason.NoMatch => "no_match",
        PacketInReason.Action => "action",
        PacketInReason.InvalidTtl => "invalid_ttl",
        _ => ((byte)r).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public bool Equals(Controller? other) =>
        other is not null && MaxLen == other.MaxLen && ControllerId == other.ControllerId && Reason == other.Reason &&
        Userdata.AsSpan().SequenceEqual(other.Userdata) && Pause == other.Pause && IsV2 == other.IsV2;

    public override int GetHashCode() => HashCode.Combine(MaxLen, ControllerId, Reason, Pause);
}
