using System.Net;
using System.Net.Sockets;

namespace Dragonflow.Server.Ipam;

/// <summary>
/// A subnet's CIDR with Neutron's defaults: the gateway (first host for IPv4, the
/// subnet-router anycast address — the network address — for IPv6) and the allocation pool
/// (every usable address but the gateway).
/// </summary>
sealed class SubnetCidr
{
    public IPNetwork Network { get; }
    public IpRange Range { get; }
    public AddressFamily Family => Network.BaseAddress.AddressFamily;
    public int IpVersion => Family == AddressFamily.InterNetwork ? 4 : 6;

    SubnetCidr(IPNetwork network)
    {
        Network = network;
        var bits = IpMath.Bits(Family);
        var first = IpMath.ToNumber(network.BaseAddress);
        var size = network.PrefixLength == 0 ? UInt128.MaxValue >> (128 - bits) : (UInt128.One << (bits - network.PrefixLength)) - 1;
        Range = new IpRange(first, first + size, Family);
    }

    /// <summary>Parses "a.b.c.d/n" or an IPv6 CIDR; host bits set is refused as Neutron does.</summary>
    public static bool TryParse(string? text, out SubnetCidr? cidr, out string error)
    {
        cidr = null;
        error = "";
        if (text is null || text.Split('/') is not [var ip, var len] || !IPAddress.TryParse(ip, out var address)
            || !int.TryParse(len, out var prefix) || prefix < 0 || prefix > IpMath.Bits(address.AddressFamily))
        {
            error = $"'{text}' is not a valid IP subnet";
            return false;
        }
        var network = new IPNetwork(IpMath.Network(address, prefix), prefix);
        if (!network.BaseAddress.Equals(address))
        {
            error = $"'{text}' isn't a recognized IP subnet cidr, '{network}' is recommended";
            return false;
        }
        cidr = new SubnetCidr(network);
        return true;
    }

    public IPAddress DefaultGateway => Family == AddressFamily.InterNetwork
        ? IpMath.ToAddress(Range.First + 1, Family)
        : Network.BaseAddress;

    /// <summary>The addresses a VM may get: all but the network and broadcast addresses (IPv4) or the
    /// subnet-router anycast address (IPv6).</summary>
    public IpRange Usable => Family == AddressFamily.InterNetwork
        ? (Network.PrefixLength >= 31 ? Range : new IpRange(Range.First + 1, Range.Last - 1, Family))
        : new IpRange(Range.First + 1, Range.Last, Family);

    /// <summary>Neutron's default pools: the usable range with the gateway cut out.</summary>
    public IReadOnlyList<IpRange> DefaultPools(IPAddress? gateway)
    {
        var usable = Usable;
        if (gateway is null || !usable.Contains(gateway))
            return [usable];
        var g = IpMath.ToNumber(gateway);
        var pools = new List<IpRange>(2);
        if (g > usable.First)
            pools.Add(new IpRange(usable.First, g - 1, Family));
        if (g < usable.Last)
            pools.Add(new IpRange(g + 1, usable.Last, Family));
        return pools;
    }

    public bool Overlaps(SubnetCidr other) => Range.Overlaps(other.Range);

    public override string ToString() => Network.ToString();
}
