namespace Dragonflow.Model;

/// <summary>A compute node running a controller (table <c>chassis</c>); id is the host name.</summary>
public sealed class Chassis : NbObject
{
    /// <summary>Tunnel endpoint address.</summary>
    public string Ip { get; set; } = "";

    public List<string> TunnelTypes { get; set; } = [];

    public string? ExternalHostIp { get; set; }
}
