namespace Dragonflow.Controller.Pipeline;

/// <summary>
/// A named range of priorities that one app uses in one table. An app takes every priority
/// from one of its bands (<see cref="Priority"/>, <see cref="At"/>), so the order between
/// apps in a table is written down here instead of in arithmetic spread over the apps.
///
/// Bands of different apps in one table must not overlap — unless both are shared by the same
/// match field (<see cref="SharedBy"/>): e.g. the classification of table 0 is by in_port, and
/// l2, tunneling and dnat each match ports of their own there, so their flows never compete.
/// </summary>
public sealed record PriorityBand(byte Table, string Name, ushort Lowest, ushort Highest, string? SharedBy = null)
{
    /// <summary>A band of one priority.</summary>
    public static PriorityBand At(byte table, string name, ushort priority, string? sharedBy = null) =>
        new(table, name, priority, priority, sharedBy);

    /// <summary>The band's priority (its lowest, for a band of one).</summary>
    public ushort Priority => Lowest;

    /// <summary>The priority <paramref name="offset"/> above the band's lowest; outside the band is a bug of the caller.</summary>
    public ushort At(int offset)
    {
        var p = Lowest + offset;
        if (offset < 0 || p > Highest)
            throw new ArgumentOutOfRangeException(nameof(offset), $"band {Name} of table {Table} spans {Lowest}..{Highest}; {p} is outside it");
        return (ushort)p;
    }

    public bool Contains(ushort priority) => priority >= Lowest && priority <= Highest;

    public bool Overlaps(PriorityBand other) => Table == other.Table && Lowest <= other.Highest && other.Lowest <= Highest;

    public override string ToString() =>
        Lowest == Highest ? $"{Name} ({Lowest})" : $"{Name} ({Lowest}-{Highest})";
}
