using System.Net;
using System.Net.Sockets;

namespace Dragonflow.Server.Ipam;

/// <summary>An inclusive range of addresses of one family: an allocation pool, or a whole subnet.</summary>
readonly record struct IpRange(UInt128 First, UInt128 Last, AddressFamily Family)
{
    public static IpRange Of(IPAddress first, IPAddress last) =>
        new(IpMath.ToNumber(first), IpMath.ToNumber(last), first.AddressFamily);

    public IPAddress FirstAddress => IpMath.ToAddress(First, Family);
    public IPAddress LastAddress => IpMath.ToAddress(Last, Family);
    public UInt128 Count => Last - First + 1;

    public bool Contains(UInt128 n) => n >= First && n <= Last;
    public bool Contains(IPAddress a) => a.AddressFamily == Family && Contains(IpMath.ToNumber(a));
    public bool Overlaps(IpRange other) => Family == other.Family && First <= other.Last && other.First <= Last;
    public bool Within(IpRange outer) => Family == outer.Family && First >= outer.First && Last <= outer.Last;

    public override string ToString() => $"{FirstAddress}-{LastAddress}";
}
