using System.Net;
using System.Net.Sockets;
using Dragonflow.Controller.Apps.L3;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.Snat;

/// <summary>
/// A router with an external gateway as the SNAT flows need it: its gateway port's address and
/// MAC on the external network, the external subnet's gateway (the next hop out), whether SNAT
/// is on, its interfaces, its conntrack zone and its gateway chassis in order
/// (<see cref="GatewaySchedule"/>). A router whose gateway port or keys do not resolve has no
/// view.
/// </summary>
public sealed record SnatRouter(
    string Id,
    ushort Zone,
    ulong Tag,
    IPAddress GatewayIp,
    MacAddress GatewayMac,
    IPAddress? NextHop,
    bool Snat,
    string? PhysicalNetwork,
    IReadOnlyList<L3Interface> Interfaces,
    IReadOnlyList<string> Schedule)
{
    /// <summary>
    /// SNAT zones count down from 65535 by router key; the sg app's zones are network keys,
    /// counting up from 1, so the two meet only past 32767 routers and networks.
    /// </summary>
    private const int HighestZone = ushort.MaxValue;

    private const long MaxRouterKey = 0x7fff;

    /// <summary>Metadata of a reply on its way back from the external network: the top bit (never a network key) and the router key.</summary>
    private const ulong ReplyTagBit = 1UL << 63;

    public static SnatRouter? Resolve(ChassisContext context, LogicalRouter router)
    {
        if (!GatewaySchedule.NeedsGateway(router) || router.ExternalGatewayInfo is not { } info) return null;
        if (router.UniqueKey is <= 0 or > MaxRouterKey) return null;
        if (info.PortId is not { } portId || !context.Nb.Ports.TryGetValue(portId, out var port)) return null;
        context.Nb.Networks.TryGetValue(info.NetworkId, out var external);
        MacAddress mac;
        try
        {
            mac = MacAddress.Parse(port.Macs.FirstOrDefault() ?? "");
        }
        catch (FormatException)
        {
            return null;
        }
        foreach (var ip in port.Ips)
        {
            if (!IPAddress.TryParse(ip.IpAddress, out var address) || address.AddressFamily != AddressFamily.InterNetwork) continue;
            IPAddress? nextHop = context.Nb.Subnets.TryGetValue(ip.SubnetId, out var subnet) && subnet.GatewayIp is { } g
                && IPAddress.TryParse(g, out var gw) && gw.AddressFamily == AddressFamily.InterNetwork ? gw : null;
            return new SnatRouter(router.Id, (ushort)(HighestZone - router.UniqueKey), ReplyTagBit | (ulong)router.UniqueKey,
                address, mac, nextHop, info.EnableSnat, external?.PhysicalNetwork,
                L3Interface.Of(context, router), GatewaySchedule.For(router, external, context.Nb.Chassis.Values));
        }
        return null;
    }
}
