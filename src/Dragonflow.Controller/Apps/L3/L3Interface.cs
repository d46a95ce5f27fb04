using System.Net;
using System.Net.Sockets;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.L3;

/// <summary>
/// A router interface as the L3 flows need it: the network it sits on (and that network's
/// metadata key), its MAC, its address and its subnet. The NB stores the address with its
/// prefix ("10.0.0.1/24", RouterEndpoints); an interface whose fields do not parse or whose
/// network is unknown has no view.
/// </summary>
public sealed record L3Interface(LogicalRouterPort Port, ulong NetworkKey, MacAddress Mac, IPAddress Ip, int PrefixLength)
{
    public string NetworkId => Port.Lswitch;

    /// <summary>The subnet's network address (host bits cleared).</summary>
    public IPAddress Subnet => new(BigEndian(Bits(Ip) & Mask(PrefixLength)));

    public bool Contains(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork && (Bits(address) & Mask(PrefixLength)) == (Bits(Ip) & Mask(PrefixLength));

    public static IReadOnlyList<L3Interface> Of(ChassisContext context, LogicalRouter router)
    {
        var list = new List<L3Interface>();
        foreach (var p in router.Ports)
        {
            if (Resolve(context, p) is { } i) list.Add(i);
        }
        return list;
    }

    public static L3Interface? Resolve(ChassisContext context, LogicalRouterPort p)
    {
        if (!context.Nb.Networks.TryGetValue(p.Lswitch, out var network) || PortView.NetworkKeys(network) is not { } keys) return null;
        if (p.Network.Split('/') is not [var ipText, var lenText] || !IPAddress.TryParse(ipText, out var ip)
            || ip.AddressFamily != AddressFamily.InterNetwork || !int.TryParse(lenText, out var len) || len is < 0 or > 32)
            return null; // IPv6 interfaces are not routed yet
        MacAddress mac;
        try
        {
            mac = MacAddress.Parse(p.Mac);
        }
        catch (FormatException)
        {
            return null;
        }
        return new L3Interface(p, keys.Key, mac, ip, len);
    }

    public static uint Bits(IPAddress a)
    {
        var b = a.GetAddressBytes();
        return b.Length == 4 ? (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) : 0;
    }

    public static uint Mask(int prefix) => prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);

    public static byte[] BigEndian(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
}
