namespace Dragonflow.ZooKeeper.Protocol;

/// <summary>Request types (ZooDefs.OpCode in the ZooKeeper sources; the RequestHeader's type field).</summary>
internal enum OpCode
{
    Notification = 0,
    Create = 1,
    Delete = 2,
    Exists = 3,
    GetData = 4,
    SetData = 5,
    Sync = 9,
    Ping = 11,
    GetChildren2 = 12,
    Check = 13,
    Multi = 14,
    Create2 = 15,
    CreateContainer = 19,
    CloseSession = -11,
    SetWatches = 101,
    Error = -1,
}

/// <summary>Reserved xids the server and client use for non-request traffic (ClientCnxn).</summary>
internal static class SpecialXid
{
    public const int Notification = -1;
    public const int Ping = -2;
    public const int SetWatches = -8;
}
