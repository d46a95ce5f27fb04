namespace Dragonflow.ZooKeeper;

/// <summary>The flags of a create request (CreateMode in the ZooKeeper sources).</summary>
public enum CreateMode
{
    Persistent = 0,
    Ephemeral = 1,
    PersistentSequential = 2,
    EphemeralSequential = 3,

    /// <summary>Removed by the server some time after its last child goes (ZooKeeper 3.5.3+).</summary>
    Container = 4,
}
