using System.Net;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps;

/// <summary>
/// How a packet reaches another chassis: through the local flow-based tunnel port of the
/// first tunnel type both chassis offer, with tun_id = the network's segmentation id and
/// tun_dst = the chassis' tunnel endpoint.
/// </summary>
public static class TunnelRoute
{
    /// <summary>The actions that send to <paramref name="chassisId"/>, or null if it is unknown or unreachable.</summary>
    public static IReadOnlyList<OfAction>? To(ChassisContext context, string chassisId, ulong segment)
    {
        if (!context.Nb.Chassis.TryGetValue(chassisId, out var chassis)) return null;
        if (!IPAddress.TryParse(chassis.Ip, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return null;
        if (PortFor(context, chassis) is not { } ofport) return null;
        return
        [
            new SetField(MatchField.TunnelId(segment)),
            new SetField(MatchField.Ip(OxmFields.TunIpv4Dst, ip)),
            new Output(ofport),
        ];
    }

    private static uint? PortFor(ChassisContext context, Chassis chassis)
    {
        foreach (var type in context.TunnelTypes)
        {
            if ((chassis.TunnelTypes.Count == 0 || chassis.TunnelTypes.Contains(type)) &&
                context.Bridge.TunnelPorts.TryGetValue(type, out var ofport))
            {
                return ofport;
            }
        }
        return null;
    }
}
