namespace Dragonflow.Controller.Apps.SecurityGroups;

/// <summary>
/// A port range as the fewest value/mask pairs that cover it exactly (the way OpenFlow matches
/// a range: tp_dst=0x1000/0xf000 is 4096-8191).
/// </summary>
public static class PortRange
{
    /// <summary>The (value, mask) pairs covering <paramref name="min"/>..<paramref name="max"/> (inclusive).</summary>
    public static IReadOnlyList<(ushort Value, ushort Mask)> Masks(ushort min, ushort max)
    {
        if (min > max) return [];
        var result = new List<(ushort, ushort)>();
        var start = (uint)min;
        while (start <= max)
        {
            // The largest aligned block starting at 'start' that does not pass 'max'.
            var size = start == 0 ? 0x10000u : start & (uint)-(int)start;
            while (start + size - 1 > max) size >>= 1;
            result.Add(((ushort)start, (ushort)(0xFFFF & ~(size - 1))));
            start += size;
        }
        return result;
    }
}
