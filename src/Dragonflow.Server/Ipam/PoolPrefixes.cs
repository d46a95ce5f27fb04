using System.Net.Sockets;
using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Ipam;

/// <summary>
/// The prefixes of a subnet pool as CIDRs: parsed and checked as Neutron checks them, compacted
/// (a prefix inside another is dropped), and searched for a free CIDR of a given length.
/// </summary>
static class PoolPrefixes
{
    /// <summary>Neutron's default minimum prefix length of a pool, per IP version.</summary>
    public static int DefaultMinPrefixlen(int ipVersion) => ipVersion == 4 ? 8 : 64;

    public static int MaxBits(int ipVersion) => ipVersion == 4 ? 32 : 128;

    public static List<SubnetCidr> Parse(IReadOnlyList<string> prefixes)
    {
        if (prefixes.Count == 0)
            throw new NeutronException(400, "EmptySubnetPoolPrefixList", "Empty subnet pool prefix list.");
        var cidrs = new List<SubnetCidr>();
        foreach (var text in prefixes)
        {
            // A prefix with host bits names its network, as Neutron's validate_subnet lets it.
            if (!SubnetCidr.TryParse(text, out var cidr, out var error) && !SubnetCidr.TryParse(NetworkOf(text), out cidr, out _))
                throw NeutronErrors.InvalidInput(error);
            cidrs.Add(cidr!);
        }
        if (cidrs.Select(c => c.IpVersion).Distinct().Count() > 1)
            throw MixedVersions();
        return Compact(cidrs);
    }

    /// <summary>"10.11.12.13/24" → "10.11.12.0/24"; anything else as it is.</summary>
    static string NetworkOf(string text)
    {
        var slash = text.IndexOf('/');
        return slash > 0 && System.Net.IPAddress.TryParse(text[..slash], out var address)
            && int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
            && length <= IpMath.Bits(address.AddressFamily)
            ? $"{IpMath.Network(address, length)}/{length}"
            : text;
    }

    public static NeutronException MixedVersions() =>
        new(400, "PrefixVersionMismatch", "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.");

    /// <summary>Drops prefixes that another one holds, sorted by address.</summary>
    public static List<SubnetCidr> Compact(IEnumerable<SubnetCidr> cidrs)
    {
        var list = cidrs.DistinctBy(c => c.ToString()).ToList();
        return list.Where(c => !list.Any(o => o != c && c.Range.Within(o.Range) && o.Range != c.Range))
            .OrderBy(c => c.Range.First).ToList();
    }

    public static List<SubnetCidr> Of(IEnumerable<string> prefixes) =>
        prefixes.Select(p => SubnetCidr.TryParse(p, out var c, out _) ? c! : null).OfType<SubnetCidr>().ToList();

    public static bool Holds(IEnumerable<SubnetCidr> prefixes, SubnetCidr cidr) => prefixes.Any(p => cidr.Range.Within(p.Range));

    /// <summary>The lowest CIDR of <paramref name="prefixlen"/> in the prefixes that overlaps none taken; null when full.</summary>
    public static SubnetCidr? FirstFree(IEnumerable<SubnetCidr> prefixes, IReadOnlyList<SubnetCidr> taken, int prefixlen)
    {
        foreach (var prefix in prefixes)
        {
            if (prefix.Network.PrefixLength > prefixlen)
                continue;
            var family = prefix.Family;
            var hostBits = IpMath.Bits(family) - prefixlen;
            var size = hostBits >= 128 ? UInt128.MaxValue : UInt128.One << hostBits;
            var start = prefix.Range.First;
            while (start <= prefix.Range.Last && prefix.Range.Last - start >= size - 1)
            {
                var candidate = new IpRange(start, start + (size - 1), family);
                var blocker = taken.Where(t => t.Range.Overlaps(candidate)).Select(t => (IpRange?)t.Range).MaxBy(r => r!.Value.Last);
                if (blocker is null)
                    return Cidr(candidate, prefixlen, family);
                var next = blocker.Value.Last + 1;
                if (next == 0 || next <= start)
                    break;
                // The next block of this size at or after the blocker's end.
                start = (next + size - 1) / size * size;
            }
        }
        return null;
    }

    static SubnetCidr Cidr(IpRange range, int prefixlen, AddressFamily family)
    {
        SubnetCidr.TryParse($"{IpMath.ToAddress(range.First, family)}/{prefixlen}", out var cidr, out _);
        return cidr!;
    }
}
