using Dragonflow.Ovsdb.Data;

namespace Dragonflow.Ovsdb.Vswitch;

/// <summary>An Interface row as a controller sees it.</summary>
public sealed record OvsInterface(
    Guid Uuid,
    string Name,
    string Type,
    int? Ofport,
    IReadOnlyDictionary<string, string> ExternalIds,
    IReadOnlyDictionary<string, string> Options,
    string? MacInUse,
    string? Error)
{
    /// <summary>The columns <see cref="FromRow"/> reads.</summary>
    public static readonly IReadOnlyList<string> Columns =
        new[] { "name", "type", "ofport", "external_ids", "options", "mac_in_use", "error" };

    /// <summary>external_ids:iface-id — the logical port this interface is bound to.</summary>
    public string? IfaceId => ExternalIds.GetValueOrDefault("iface-id");

    public string? AttachedMac => ExternalIds.GetValueOrDefault("attached-mac");

    /// <summary>True once vswitchd gave the interface an OpenFlow port (ofport -1 means it failed).</summary>
    public bool HasOfport => Ofport is > 0;

    public static OvsInterface FromRow(Guid uuid, OvsdbRow row) => new(
        uuid,
        row.GetString("name") ?? "",
        row.GetString("type") ?? "",
        row.GetInteger("ofport") is { } p ? (int)p : null,
        row.GetStringMap("external_ids"),
        row.GetStringMap("options"),
        row.GetString("mac_in_use"),
        row.GetString("error"));
}

/// <summary>A Bridge row with its controller targets.</summary>
public sealed record OvsBridge(
    Guid Uuid,
    string Name,
    string DatapathType,
    string? FailMode,
    IReadOnlyList<string> Protocols,
    IReadOnlyList<string> ControllerTargets,
    IReadOnlyDictionary<string, string> OtherConfig,
    IReadOnlyDictionary<string, string> ExternalIds);

public enum InterfaceEventKind
{
    Added,
    Changed,
    Removed,
}

public enum InterfaceEventSource
{
    /// <summary>Part of the state found when watching started.</summary>
    Initial,

    /// <summary>A change as it happened.</summary>
    Live,

    /// <summary>A difference found after reconnecting to ovsdb-server.</summary>
    Resync,
}

/// <summary>An interface appeared, changed or disappeared. For Removed, <see cref="Interface"/>
/// is its last known state.</summary>
public sealed record InterfaceEvent(InterfaceEventKind Kind, OvsInterface Interface, OvsInterface? Previous, InterfaceEventSource Source);
