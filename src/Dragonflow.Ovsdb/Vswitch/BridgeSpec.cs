namespace Dragonflow.Ovsdb.Vswitch;

/// <summary>
/// The desired configuration of a bridge (Open_vSwitch schema, table Bridge). Maps are merged
/// into what the bridge already has: keys given here are set, other keys are left alone.
/// </summary>
public sealed record BridgeSpec(string Name)
{
    /// <summary>"netdev" for the userspace datapath, "system" (or "") for the kernel one.</summary>
    public string? DatapathType { get; init; }

    /// <summary>"secure" (no flows without a controller) or "standalone".</summary>
    public string? FailMode { get; init; }

    /// <summary>e.g. ["OpenFlow13"]; null leaves the column alone.</summary>
    public IReadOnlyList<string>? Protocols { get; init; }

    /// <summary>Controllers; null leaves them alone, empty removes them. Changing the
    /// controller set makes vswitchd flush the bridge's flows, so it is only touched when it differs.</summary>
    public IReadOnlyList<ControllerSpec>? Controllers { get; init; }

    /// <summary>e.g. disable-in-band=true, datapath-id=0000000000000001, hwaddr=02:...</summary>
    public IReadOnlyDictionary<string, string>? OtherConfig { get; init; }

    public IReadOnlyDictionary<string, string>? ExternalIds { get; init; }
}

/// <summary>A controller target such as "unix:/run/df/br-int.ctl" or "tcp:127.0.0.1:6653".</summary>
public sealed record ControllerSpec(string Target, string? ConnectionMode = "out-of-band")
{
    public int? InactivityProbeMs { get; init; }
    public int? MaxBackoffMs { get; init; }
}
