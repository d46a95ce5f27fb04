using System.Net;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.Metadata;

/// <summary>
/// The addresses of the metadata service. VMs ask Nova's link-local address, port 80. On the
/// way to the proxy a request's source becomes 169.254.K1.K2, where K1.K2 is the asking port's
/// key: the proxy learns the port from the address the switch wrote, never from one the VM
/// chose, and the same VM address on two networks stays two askers. The proxy's interface
/// holds 169.254.169.254/16, so its answers to those addresses leave through it; it does no
/// ARP (the switch rewrites the MACs either way).
/// </summary>
public static class MetadataAddress
{
    public static readonly IPAddress Ipv4 = IPAddress.Parse("169.254.169.254");

    public const ushort Port = 80;

    /// <summary>The prefix of the proxy's interface: the link-local range the askers' addresses come from.</summary>
    public const int PrefixLength = 16;

    /// <summary>The internal port on br-int in front of the proxy (upstream's name).</summary>
    public const string InterfaceName = "tap-metadata";

    /// <summary>The MAC of the proxy's interface and of 169.254.169.254 as ARP answers it (locally administered).</summary>
    public static readonly MacAddress Mac = MacAddress.Parse("0e:df:a9:fe:a9:fe");

    private static readonly uint ServiceHost = (169u << 8) | 254;

    /// <summary>The source address that names port <paramref name="key"/>, or null for a key that has none (0, the service's own, broadcast, beyond 16 bits).</summary>
    public static IPAddress? ForPortKey(uint key) =>
        key is 0 or >= 0xffff || key == ServiceHost ? null : new IPAddress([169, 254, (byte)(key >> 8), (byte)key]);

    /// <summary>The port key an asker's address names, or null when it is not one of ours.</summary>
    public static uint? PortKeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var b = address.GetAddressBytes();
        if (b.Length != 4 || b[0] != 169 || b[1] != 254) return null;
        var key = (uint)((b[2] << 8) | b[3]);
        return ForPortKey(key) is null ? null : key;
    }
}
