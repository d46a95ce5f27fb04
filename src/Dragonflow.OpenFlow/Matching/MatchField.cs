using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Dragonflow.OpenFlow.Matching;

/// <summary>
/// One field of a match (or the target of a set_field): value and optional mask in network byte
/// order. Built in canonical form as Open vSwitch does: value bits outside the mask are cleared,
/// an all-ones mask is dropped.
/// </summary>
public readonly struct MatchField : IEquatable<MatchField>
{
    private readonly byte[] _value;
    private readonly byte[]? _mask;

    private MatchField(OxmField field, byte[] value, byte[]? mask)
    {
        Field = field;
        _value = value;
        _mask = mask;
    }

    public OxmField Field { get; }
    public ReadOnlySpan<byte> Value => _value;
    public ReadOnlySpan<byte> Mask => _mask;
    public bool HasMask => _mask is not null;

    /// <summary>Encoded TLV size: 4-byte header plus value (and mask).</summary>
    public int Size => 4 + _value.Length * (_mask is null ? 1 : 2);

    /// <summary>The value as an integer (fields up to 8 bytes).</summary>
    public ulong ValueAsUInt64 => ToUInt64(_value);
    public ulong MaskAsUInt64 => _mask is null ? ulong.MaxValue >> (64 - 8 * Math.Min(8, _value.Length)) : ToUInt64(_mask);

    public static MatchField Exact(OxmField field, ulong value) => Masked(field, value, null);

    public static MatchField Masked(OxmField field, ulong value, ulong? mask)
    {
        if (field.Width > 8)
        {
            // Wide fields (ct_label, ipv6) from an integer: right-aligned.
            var v = new byte[field.Width];
            BinaryPrimitives.WriteUInt64BigEndian(v.AsSpan(field.Width - 8), value);
            byte[]? m = null;
            if (mask is ulong mm)
            {
                m = new byte[field.Width];
                BinaryPrimitives.WriteUInt64BigEndian(m.AsSpan(field.Width - 8), mm);
            }
            return Create(field, v, m);
        }
        var value8 = new byte[field.Width];
        WriteUInt(value8, value);
        byte[]? mask8 = null;
        if (mask is ulong mk)
        {
            mask8 = new byte[field.Width];
            WriteUInt(mask8, mk);
        }
        return Create(field, value8, mask8);
    }

    public static MatchField Exact(OxmField field, ReadOnlySpan<byte> value) => Create(field, value.ToArray(), null);

    public static MatchField Masked(OxmField field, ReadOnlySpan<byte> value, ReadOnlySpan<byte> mask) =>
        Create(field, value.ToArray(), mask.ToArray());

    private static MatchField Create(OxmField field, byte[] value, byte[]? mask)
    {
        if (value.Length != field.Width)
            throw new ArgumentException($"{field.Name} takes {field.Width} bytes, not {value.Length}");
        if (mask is not null)
        {
            if (mask.Length != value.Length)
                throw new ArgumentException($"{field.Name} mask must be {field.Width} bytes");
            if (mask.AsSpan().IndexOfAnyExcept((byte)0xff) < 0)
                mask = null;
            else
            {
                if (!field.Maskable)
                    throw new ArgumentException($"{field.Name} cannot be masked");
                for (var i = 0; i < value.Length; i++)
                    value[i] &= mask[i];
            }
        }
        return new MatchField(field, value, mask);
    }

    /// <summary>Wraps decoded bytes as they are (no canonicalisation), so re-encoding reproduces them.</summary>
    internal static MatchField FromWire(OxmField field, byte[] value, byte[]? mask) => new(field, value, mask);

    // Typed conveniences for the common fields.
    public static MatchField InPort(uint port) => Exact(OxmFields.InPort, port);
    public static MatchField Metadata(ulong value) => Exact(OxmFields.Metadata, value);
    public static MatchField Metadata(ulong value, ulong mask) => Masked(OxmFields.Metadata, value, mask);
    public static MatchField EthSrc(MacAddress mac) => Exact(OxmFields.EthSrc, mac.Value);
    public static MatchField EthDst(MacAddress mac) => Exact(OxmFields.EthDst, mac.Value);
    public static MatchField EthDst(MacAddress mac, MacAddress mask) => Masked(OxmFields.EthDst, mac.Value, mask.Value);
    public static MatchField EthType(ushort type) => Exact(OxmFields.EthType, type);
    public static MatchField IpProto(byte proto) => Exact(OxmFields.IpProto, proto);
    public static MatchField Register(int index, uint value) => Exact(OxmFields.Register(index), value);
    public static MatchField Register(int index, uint value, uint mask) => Masked(OxmFields.Register(index), value, mask);
    public static MatchField TunnelId(ulong id) => Exact(OxmFields.TunnelId, id);
    public static MatchField CtState(CtStateFlags value, CtStateFlags mask) => Masked(OxmFields.CtState, (uint)value, (uint)mask);
    public static MatchField CtZone(ushort zone) => Exact(OxmFields.CtZone, zone);
    public static MatchField ConjId(uint id) => Exact(OxmFields.ConjId, id);

    /// <summary>An IPv4 or IPv6 address field (nw_src, arp_tpa, ipv6_dst, tun_dst...) with an optional prefix length.</summary>
    public static MatchField Ip(OxmField field, IPAddress address, int? prefixLength = null)
    {
        var bytes = address.GetAddressBytes();
        if (bytes.Length != field.Width)
            throw new ArgumentException($"{field.Name} takes {(field.Width == 4 ? "IPv4" : "IPv6")} addresses");
        if (prefixLength is not int p)
            return Create(field, bytes, null);
        var mask = new byte[bytes.Length];
        for (var i = 0; i < p; i++)
            mask[i / 8] |= (byte)(0x80 >> (i % 8));
        return Create(field, bytes, mask);
    }

    public static MatchField Ip(OxmField field, string address, int? prefixLength = null) => Ip(field, IPAddress.Parse(address), prefixLength);

    internal static ulong ToUInt64(ReadOnlySpan<byte> b)
    {
        if (b.Length > 8) b = b[^8..];
        ulong v = 0;
        foreach (var x in b) v = (v << 8) | x;
        return v;
    }

    private static void WriteUInt(Span<byte> dst, ulong v)
    {
        for (var i = dst.Length - 1; i >= 0; i--, v >>= 8)
            dst[i] = (byte)v;
    }

    /// <summary>Writes the TLV (header, value, mask) and returns its size.</summary>
    public int Write(Span<byte> dst)
    {
        var header = (uint)(Field.Class << 16 | Field.Field << 9) | (HasMask ? 0x100u : 0u) | (uint)(Size - 4);
        BinaryPrimitives.WriteUInt32BigEndian(dst, header);
        _value.CopyTo(dst[4..]);
        _mask?.CopyTo(dst[(4 + _value.Length)..]);
        return Size;
    }

    /// <summary>ovs-ofctl spelling of the value (and mask), e.g. <c>10.0.0.0/8</c> or <c>+trk+est</c>.</summary>
    public string FormatValue() => FieldText.Format(Field, _value, _mask);

    public override string ToString() => $"{Field.Name}={FormatValue()}";

    public bool Equals(MatchField other) =>
        Field.Key == other.Field.Key && Value.SequenceEqual(other.Value) && Mask.SequenceEqual(other.Mask) && HasMask == other.HasMask;

    public override bool Equals(object? obj) => obj is MatchField m && Equals(m);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Field.Key);
        h.AddBytes(_value);
        if (_mask is not null) h.AddBytes(_mask);
        return h.ToHashCode();
    }
}

/// <summary>Formats field values the way ovs-ofctl prints and parses them.</summary>
internal static class FieldText
{
    public static string Format(OxmField field, ReadOnlySpan<byte> value, ReadOnlySpan<byte> mask)
    {
        var hasMask = !mask.IsEmpty;
        switch (field.Format)
        {
            case FieldFormat.Mac when value.Length == 6:
                return hasMask ? $"{MacAddress.Read(value)}/{MacAddress.Read(mask)}" : MacAddress.Read(value).ToString();
            case FieldFormat.Ipv4 when value.Length == 4:
            case FieldFormat.Ipv6 when value.Length == 16:
            {
                var addr = new IPAddress(value).ToString();
                if (!hasMask) return addr;
                var prefix = PrefixLength(mask);
                return prefix >= 0 ? $"{addr}/{prefix}" : $"{addr}/{new IPAddress(mask)}";
            }
            case FieldFormat.CtState when value.Length == 4:
                return CtStateText.Format(BinaryPrimitives.ReadUInt32BigEndian(value), hasMask ? BinaryPrimitives.ReadUInt32BigEndian(mask) : uint.MaxValue);
            case FieldFormat.Port when value.Length == 4 && !hasMask:
                return OfpPortText(BinaryPrimitives.ReadUInt32BigEndian(value));
            case FieldFormat.Decimal when !hasMask && value.Length <= 8:
                return MatchField.ToUInt64(value).ToString(System.Globalization.CultureInfo.InvariantCulture);
            default:
                return hasMask ? $"{Hex(value)}/{Hex(mask)}" : Hex(value);
        }
    }

    private static string OfpPortText(uint port) => Protocol.OfpPort.Format(port);

    public static string Hex(ReadOnlySpan<byte> b)
    {
        var i = b.IndexOfAnyExcept((byte)0);
        if (i < 0) return "0";
        var s = Convert.ToHexStringLower(b[i..]);
        return "0x" + (s[0] == '0' ? s[1..] : s);
    }

    /// <summary>Prefix length of a CIDR mask, or -1 if the mask is not contiguous.</summary>
    public static int PrefixLength(ReadOnlySpan<byte> mask)
    {
        var n = 0;
        var i = 0;
        for (; i < mask.Length && mask[i] == 0xff; i++) n += 8;
        if (i == mask.Length) return n;
        var b = mask[i];
        while ((b & 0x80) != 0) { n++; b <<= 1; }
        if (b != 0) return -1;
        for (i++; i < mask.Length; i++)
            if (mask[i] != 0) return -1;
        return n;
    }
}
