using System.Buffers.Binary;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Actions;

/// <summary>
/// An action of an action list (OpenFlow 1.3.5 §7.2.5, struct ofp_action_header) or a Nicira
/// extension action (nicira-ext.h, struct nx_action_header). Each subclass knows its encoded size,
/// writes itself, and prints itself in ovs-ofctl syntax.
/// </summary>
public abstract record OfAction
{
    /// <summary>Encoded size, a multiple of 8.</summary>
    public abstract int Size { get; }

    /// <summary>Writes exactly <see cref="Size"/> bytes.</summary>
    public abstract void Write(Span<byte> dst);

    public byte[] ToBytes()
    {
        var b = new byte[Size];
        Write(b);
        return b;
    }

    public static int SizeOf(IReadOnlyList<OfAction> actions)
    {
        var n = 0;
        foreach (var a in actions) n += a.Size;
        return n;
    }

    public static int WriteAll(IReadOnlyList<OfAction> actions, Span<byte> dst)
    {
        var o = 0;
        foreach (var a in actions)
        {
            a.Write(dst[o..]);
            o += a.Size;
        }
        return o;
    }

    /// <summary>ovs-ofctl action list syntax; an empty list is <c>drop</c>.</summary>
    public static string Format(IReadOnlyList<OfAction> actions) =>
        actions.Count == 0 ? "drop" : string.Join(",", actions.Select(a => a.ToString()));

    /// <summary>Decodes a whole action list.</summary>
    public static IReadOnlyList<OfAction> ReadAll(ReadOnlySpan<byte> src)
    {
        var list = new List<OfAction>();
        while (!src.IsEmpty)
        {
            ProtocolThrow.Need(src, 8, "action header");
            var len = BinaryPrimitives.ReadUInt16BigEndian(src[2..]);
            if (len < 8 || (len & 7) != 0)
                ProtocolThrow.Malformed($"action length {len} is not a positive multiple of 8");
            ProtocolThrow.Need(src, len, "action");
            list.Add(ReadOne(src[..len]));
            src = src[len..];
        }
        return list;
    }

    private static OfAction ReadOne(ReadOnlySpan<byte> a)
    {
        var type = BinaryPrimitives.ReadUInt16BigEndian(a);
        switch (type)
        {
            case Output.Type: return Output.Read(a);
            case Group.Type: return Group.Read(a);
            case PushVlan.Type: return PushVlan.Read(a);
            case PopVlan.Type: return new PopVlan();
            case DecNwTtl.Type: return new DecNwTtl();
            case SetField.Type: return SetField.Read(a);
            case NxAction.ExperimenterType:
                var experimenter = BinaryPrimitives.ReadUInt32BigEndian(a[4..]);
                if (experimenter == NxAction.NiciraVendor && a.Length >= 16)
                {
                    var subtype = BinaryPrimitives.ReadUInt16BigEndian(a[8..]);
                    switch (subtype)
                    {
                        case Resubmit.SubtypeResubmit:
                        case Resubmit.SubtypeResubmitTable: return Resubmit.Read(a, subtype);
                        case RegMove.Subtype: return RegMove.Read(a);
                        case Conjunction.Subtype: return Conjunction.Read(a);
                        case Ct.Subtype: return Ct.Read(a);
                        case Nat.Subtype: return Nat.Read(a);
                        case BundleOutput.Subtype: return BundleOutput.Read(a);
                        case NxDecTtl.Subtype: return new NxDecTtl();
                        case CtClear.Subtype: return new CtClear();
                        case Controller.Subtype1:
                        case Controller.Subtype2: return Controller.Read(a, subtype);
                    }
                }
                return new UnknownAction(a.ToArray());
            default:
                return new UnknownAction(a.ToArray());
        }
    }
}

/// <summary>An action this library does not model; kept as bytes so it round-trips.</summary>
public sealed record UnknownAction(byte[] Bytes) : OfAction
{
    public override int Size => Bytes.Length;
    public override void Write(Span<byte> dst) => Bytes.CopyTo(dst);
    public override string ToString()
    {
        var type = BinaryPrimitives.ReadUInt16BigEndian(Bytes);
        return $"unknown_action(type=0x{type:x4},{Convert.ToHexStringLower(Bytes)})";
    }
    public bool Equals(UnknownAction? other) => other is not null && Bytes.AsSpan().SequenceEqual(other.Bytes);
    public override int GetHashCode() => Bytes.Length;
}
