namespace Dragonflow.Ovsdb.Vswitch;

/// <summary>
/// The desired configuration of a port with one interface of the same name (tables Port and
/// Interface). <see cref="Options"/> is set exactly (tunnel and patch options define the
/// port); <see cref="ExternalIds"/> keys are merged into the interface's.
/// </summary>
public sealed record PortSpec(string Bridge, string Name)
{
    /// <summary>Interface type: "" (a system device such as a veth), "internal", "geneve",
    /// "vxlan", "patch", ...</summary>
    public string Type { get; init; } = "";

    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>Interface external_ids, e.g. iface-id and attached-mac.</summary>
    public IReadOnlyDictionary<string, string>? ExternalIds { get; init; }

    /// <summary>Port (not interface) external_ids.</summary>
    public IReadOnlyDictionary<string, string>? PortExternalIds { get; init; }

    public int? OfportRequest { get; init; }

    /// <summary>Interface bfd column (e.g. enable=true, min_rx, min_tx), set exactly; null leaves it alone.</summary>
    public IReadOnlyDictionary<string, string>? Bfd { get; init; }

    /// <summary>A flow-based tunnel port: remote_ip=flow and key=flow by default, so one
    /// port serves every peer (the flow sets tun_dst and tun_id).</summary>
    public static PortSpec Tunnel(string bridge, string name, string type, string? localIp = null,
        string remoteIp = "flow", string key = "flow", int? ofportRequest = null)
    {
        var options = new Dictionary<string, string> { ["remote_ip"] = remoteIp, ["key"] = key };
        if (localIp is not null) options["local_ip"] = localIp;
        return new PortSpec(bridge, name) { Type = type, Options = options, OfportRequest = ofportRequest };
    }

    /// <summary>One end of a patch pair; the other end is a patch port named <paramref name="peer"/>.</summary>
    public static PortSpec Patch(string bridge, string name, string peer) =>
        new(bridge, name) { Type = "patch", Options = new Dictionary<string, string> { ["peer"] = peer } };

    public static PortSpec Internal(string bridge, string name) => new(bridge, name) { Type = "internal" };
}
