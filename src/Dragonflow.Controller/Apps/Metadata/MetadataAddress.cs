using System.Net;

namespace Dragonflow.Controller.Apps.Metadata;

/// <summary>Where VMs ask for their metadata (Nova's link-local address, port 80).</summary>
public static class MetadataAddress
{
    public static readonly IPAddress Ipv4 = IPAddress.Parse("169.254.169.254");

    public const ushort Port = 80;
}
