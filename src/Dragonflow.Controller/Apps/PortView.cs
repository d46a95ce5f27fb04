using System.Net;
using System.Net.Sockets;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Matching;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps;

/// <summary>
/// A port as the flows need it, once its references are resolved and its fields parsed: a
/// port whose network has not arrived, or whose MAC or keys are malformed, has no view (its
/// flows wait or are skipped, and the reason is logged).
/// </summary>
public sealed record PortView(
    LogicalPort Port,
    LogicalSwitch Network,
    uint Key,
    ulong NetworkKey,
    ulong SegmentationId,
    MacAddress Mac,
    IReadOnlyList<IPAddress> Ipv4)
{
    public static PortView? Resolve(ChassisContext context, string portId)
    {
        if (!context.Nb.Ports.TryGetValue(portId, out var port)) return null;
        if (!context.Nb.Networks.TryGetValue(port.Lswitch, out var network)) return null; // waits for its network
        if (NetworkKeys(network) is not { } keys)
        {
            context.Logger.LogWarning("network {NetworkId} has no unique_key; its port {PortId} is skipped", network.Id, port.Id);
            return null;
        }
        if (port.UniqueKey is <= 0 or > uint.MaxValue)
        {
            context.Logger.LogWarning("port {PortId} has no valid unique_key ({Key}); skipped", port.Id, port.UniqueKey);
            return null;
        }
        MacAddress mac;
        try
        {
            mac = MacAddress.Parse(port.Macs.FirstOrDefault() ?? "");
        }
        catch (FormatException)
        {
            context.Logger.LogWarning("port {PortId} has no valid MAC ({Macs}); skipped", port.Id, string.Join(",", port.Macs));
            return null;
        }
        var ips = new List<IPAddress>();
        foreach (var ip in port.Ips)
        {
            if (IPAddress.TryParse(ip.IpAddress, out var a) && a.AddressFamily == AddressFamily.InterNetwork) ips.Add(a);
        }
        return new PortView(port, network, (uint)port.UniqueKey, keys.Key, keys.Segment, mac, ips);
    }

    /// <summary>The network's metadata key and tunnel key (segmentation id, else its unique key); null if it has no key.</summary>
    public static (ulong Key, ulong Segment)? NetworkKeys(LogicalSwitch network)
    {
        if (network.UniqueKey <= 0) return null;
        var segment = network.SegmentationId is > 0 and <= 0xffffff ? (ulong)network.SegmentationId.Value : (ulong)network.UniqueKey;
        return ((ulong)network.UniqueKey, segment);
    }
}
