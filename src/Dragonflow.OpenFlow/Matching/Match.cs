using System.Buffers.Binary;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Matching;

/// <summary>
/// An immutable OXM match (OpenFlow 1.3.5 §7.2.3, struct ofp_match with type OFPMT_OXM).
/// Fields are kept in Open vSwitch's canonical order and the TLVs are encoded once at
/// construction, so writing a match into a FLOW_MOD is a copy.
/// </summary>
public sealed class Match : IEquatable<Match>
{
    public const ushort TypeOxm = 1;

    /// <summary>Bytes of ofp_match before the TLVs (type, length).</summary>
    public const int HeaderSize = 4;

    public static readonly Match All = new([]);

    private readonly byte[] _tlvs;

    public Match(IEnumerable<MatchField> fields)
    {
        // Stable sort by rank: OVS emits fields in a fixed order; we match it so our bytes equal theirs.
        var list = fields.Select((f, i) => (f, i)).OrderBy(p => p.f.Field.Rank).ThenBy(p => p.i).Select(p => p.f).ToArray();
        for (var i = 1; i < list.Length; i++)
            for (var j = 0; j < i; j++)
                if (list[j].Field.Key == list[i].Field.Key)
                    throw new ArgumentException($"field {list[i].Field.Name} appears twice in a match");
        _tlvs = new byte[list.Sum(f => f.Size)];
        var o = 0;
        foreach (var f in list)
            o += f.Write(_tlvs.AsSpan(o));
    }

    public static Match Of(params MatchField[] fields) => new(fields);

    /// <summary>
    /// The fields in canonical order, decoded from the TLVs on each call: only the encoding is
    /// kept, since a controller holds tens of thousands of matches.
    /// </summary>
    public IReadOnlyList<MatchField> Fields
    {
        get
        {
            if (_tlvs.Length == 0) return [];
            var fields = new List<MatchField>();
            var reader = new OxmReader(_tlvs);
            while (reader.MoveNext(out var header, out var value, out var mask))
                fields.Add(Decode(header, value, mask));
            return fields;
        }
    }

    /// <summary>The OXM TLVs without the ofp_match header.</summary>
    public ReadOnlySpan<byte> Tlvs => _tlvs;

    /// <summary>Encoded size of ofp_match including its padding to 8 bytes.</summary>
    public int Size => Pad.To8(HeaderSize + _tlvs.Length);

    public MatchField? Get(OxmField field)
    {
        foreach (var f in Fields)
            if (f.Field.Key == field.Key) return f;
        return null;
    }

    /// <summary>A new match with one field added or replaced.</summary>
    public Match With(MatchField field) => new(Fields.Where(f => f.Field.Key != field.Field.Key).Append(field));

    /// <summary>Writes ofp_match with its zero padding; returns the bytes written (<see cref="Size"/>).</summary>
    public int Write(Span<byte> dst) => WriteOfpMatch(dst, _tlvs);

    internal static int WriteOfpMatch(Span<byte> dst, ReadOnlySpan<byte> tlvs)
    {
        var len = HeaderSize + tlvs.Length;
        var size = Pad.To8(len);
        BinaryPrimitives.WriteUInt16BigEndian(dst, TypeOxm);
        BinaryPrimitives.WriteUInt16BigEndian(dst[2..], (ushort)len);
        tlvs.CopyTo(dst[HeaderSize..]);
        dst[len..size].Clear();
        return size;
    }

    /// <summary>
    /// Splits ofp_match at the start of <paramref name="src"/> into its TLV bytes; returns the padded
    /// size consumed. No allocation.
    /// </summary>
    public static int ReadOfpMatch(ReadOnlySpan<byte> src, out ReadOnlySpan<byte> tlvs)
    {
        ProtocolThrow.Need(src, HeaderSize, "ofp_match");
        var type = BinaryPrimitives.ReadUInt16BigEndian(src);
        var len = BinaryPrimitives.ReadUInt16BigEndian(src[2..]);
        if (type != TypeOxm)
            ProtocolThrow.Malformed($"ofp_match type {type} is not OXM");
        if (len < HeaderSize)
            ProtocolThrow.Malformed($"ofp_match length {len} < 4");
        var size = Pad.To8(len);
        ProtocolThrow.Need(src, size, "ofp_match");
        tlvs = src[HeaderSize..len];
        return size;
    }

    /// <summary>Decodes ofp_match; returns the match and the padded size consumed.</summary>
    public static Match Read(ReadOnlySpan<byte> src, out int consumed)
    {
        consumed = ReadOfpMatch(src, out var tlvs);
        return FromTlvs(tlvs);
    }

    /// <summary>Decodes a run of OXM TLVs.</summary>
    public static Match FromTlvs(ReadOnlySpan<byte> tlvs)
    {
        var fields = new List<MatchField>();
        var reader = new OxmReader(tlvs);
        while (reader.MoveNext(out var header, out var value, out var mask))
            fields.Add(Decode(header, value, mask));
        try
        {
            return new Match(fields);
        }
        catch (ArgumentException e)
        {
            return ProtocolThrow.Malformed<Match>(e.Message);
        }
    }

    internal static MatchField Decode(uint header, ReadOnlySpan<byte> value, ReadOnlySpan<byte> mask)
    {
        var hasMask = (header & 0x100) != 0;
        var field = OxmFields.FromHeader(header);
        if (field is null || field.Width != value.Length || (hasMask && !field.Maskable))
            field = OxmFields.Unknown(header);
        return MatchField.FromWire(field, value.ToArray(), hasMask ? mask.ToArray() : null);
    }

    public override string ToString() => string.Join(",", Fields.Select(f => f.ToString()));

    public bool Equals(Match? other) => other is not null && _tlvs.AsSpan().SequenceEqual(other._tlvs);
    public override bool Equals(object? obj) => Equals(obj as Match);
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(_tlvs);
        return h.ToHashCode();
    }
}

/// <summary>Walks OXM TLVs without allocating (OpenFlow 1.3.5 §7.2.3.2).</summary>
public ref struct OxmReader(ReadOnlySpan<byte> tlvs)
{
    private ReadOnlySpan<byte> _rest = tlvs;

    public bool MoveNext(out uint header, out ReadOnlySpan<byte> value, out ReadOnlySpan<byte> mask)
    {
        if (_rest.IsEmpty)
        {
            header = 0;
            value = mask = default;
            return false;
        }
        ProtocolThrow.Need(_rest, 4, "oxm header");
        header = BinaryPrimitives.ReadUInt32BigEndian(_rest);
        var len = (int)(header & 0xff);
        if (len == 0)
            ProtocolThrow.Malformed($"oxm 0x{header:x8} has zero length");
        ProtocolThrow.Need(_rest, 4 + len, "oxm payload");
        var payload = _rest.Slice(4, len);
        _rest = _rest[(4 + len)..];
        if ((header & 0x100) != 0)
        {
            if ((len & 1) != 0)
                ProtocolThrow.Malformed($"masked oxm 0x{header:x8} has odd length {len}");
            value = payload[..(len / 2)];
            mask = payload[(len / 2)..];
        }
        else
        {
            value = payload;
            mask = default;
        }
        return true;
    }

    /// <summary>Finds one field's value in a TLV run; false if absent. No allocation.</summary>
    public static bool TryFind(ReadOnlySpan<byte> tlvs, OxmField field, out ReadOnlySpan<byte> value)
    {
        var r = new OxmReader(tlvs);
        while (r.MoveNext(out var header, out var v, out _))
        {
            if ((header & 0xfffffe00) == field.Key)
            {
                value = v;
                return true;
            }
        }
        value = default;
        return false;
    }
}
