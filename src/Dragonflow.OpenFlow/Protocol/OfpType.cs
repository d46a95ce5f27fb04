namespace Dragonflow.OpenFlow.Protocol;

/// <summary>Message types, OpenFlow 1.3.5 §7.1 (enum ofp_type).</summary>
public enum OfpType : byte
{
    Hello = 0,
    Error = 1,
    EchoRequest = 2,
    EchoReply = 3,
    Experimenter = 4,
    FeaturesRequest = 5,
    FeaturesReply = 6,
    GetConfigRequest = 7,
    GetConfigReply = 8,
    SetConfig = 9,
    PacketIn = 10,
    FlowRemoved = 11,
    PortStatus = 12,
    PacketOut = 13,
    FlowMod = 14,
    GroupMod = 15,
    PortMod = 16,
    TableMod = 17,
    MultipartRequest = 18,
    MultipartReply = 19,
    BarrierRequest = 20,
    BarrierReply = 21,
    QueueGetConfigRequest = 22,
    QueueGetConfigReply = 23,
    RoleRequest = 24,
    RoleReply = 25,
    GetAsyncRequest = 26,
    GetAsyncReply = 27,
    SetAsync = 28,
    MeterMod = 29,
}

/// <summary>Reserved port numbers, OpenFlow 1.3.5 §7.2.1 (enum ofp_port_no).</summary>
public static class OfpPort
{
    public const uint Max = 0xffffff00;
    public const uint InPort = 0xfffffff8;
    public const uint Table = 0xfffffff9;
    public const uint Normal = 0xfffffffa;
    public const uint Flood = 0xfffffffb;
    public const uint All = 0xfffffffc;
    public const uint Controller = 0xfffffffd;
    public const uint Local = 0xfffffffe;
    public const uint Any = 0xffffffff;

    /// <summary>ovs-ofctl's spelling of a port number (reserved ports by name).</summary>
    public static string Format(uint port) => port switch
    {
        InPort => "IN_PORT",
        Table => "TABLE",
        Normal => "NORMAL",
        Flood => "FLOOD",
        All => "ALL",
        Controller => "CONTROLLER",
        Local => "LOCAL",
        Any => "ANY",
        _ => port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Table ids with a meaning of their own (enum ofp_table).</summary>
public static class OfpTable
{
    public const byte Max = 0xfe;
    public const byte All = 0xff;
}

/// <summary>Group, buffer and other "none" sentinels.</summary>
public static class OfpConstants
{
    public const uint NoBuffer = 0xffffffff;
    public const uint GroupAny = 0xffffffff;
    public const ushort ControllerMaxLenNoBuffer = 0xffff;
}
