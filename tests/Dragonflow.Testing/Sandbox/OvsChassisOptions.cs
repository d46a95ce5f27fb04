namespace Dragonflow.Testing.Sandbox;

public sealed class OvsChassisOptions
{
    /// <summary>Names generator to share with the rest of a sandbox; a fresh one when null.</summary>
    public SandboxNames? Names { get; init; }

    /// <summary>False starts only ovsdb-server (enough for pure OVSDB tests).</summary>
    public bool StartVswitchd { get; init; } = true;

    /// <summary>Open_vSwitch external_ids:system-id; the namespace name when null.</summary>
    public string? SystemId { get; init; }

    /// <summary>Also listen on TCP on the chassis namespace's own loopback (not the host's).</summary>
    public int? OvsdbTcpPort { get; init; }
}
