using System.Net;
using System.Net.Sockets;

namespace Dragonflow.Controller.Topology;

/// <summary>
/// A tunnel port to one remote chassis (remote_ip fixed, key=flow) with BFD on, between a
/// gateway chassis and every other chassis. Flow-based tunnel ports cannot run BFD, and the
/// datapath's choice of a live gateway (<c>bundle(...,active_backup,...)</c>) needs one port per
/// gateway whose liveness is BFD's. Open vSwitch hands a packet from that chassis to the most
/// specific tunnel port, so all tunnelled traffic from it arrives on this port too.
/// </summary>
public static class GatewayTunnel
{
    public const string Prefix = "df-bfd-";

    /// <summary>
    /// BFD intervals (ms): with Open vSwitch's detect multiplier of 3 a dead peer is noticed
    /// after about 300 ms (OVS's own default min_rx of 1000 ms would take 3 s).
    /// </summary>
    public const int BfdIntervalMs = 100;

    /// <summary>The port's name for a remote IPv4 endpoint: the prefix and the address in hex (15 characters).</summary>
    public static string PortName(IPAddress remote) => Prefix + Convert.ToHexString(remote.GetAddressBytes()).ToLowerInvariant();

    /// <summary>The remote endpoint of a chassis row's tunnel address, if it is IPv4.</summary>
    public static IPAddress? Endpoint(string address) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork ? ip : null;

    public static bool IsGatewayTunnel(string interfaceName) => interfaceName.StartsWith(Prefix, StringComparison.Ordinal);
}
