using Dragonflow.ZooKeeper.Jute;

namespace Dragonflow.ZooKeeper;

/// <summary>What a watch reports (Watcher.Event.EventType); None for session state changes.</summary>
public enum WatchEventType
{
    None = -1,
    NodeCreated = 1,
    NodeDeleted = 2,
    NodeDataChanged = 3,
    NodeChildrenChanged = 4,
}

/// <summary>The session state an event is delivered in (Watcher.Event.KeeperState).</summary>
public enum ZooKeeperState
{
    Disconnected = 0,
    SyncConnected = 3,
    Expired = -112,
    Closed = 7,
}

/// <summary>
/// A fired watch (zookeeper.jute WatcherEvent: type, state, path), delivered once; register
/// again to hear of later changes. Session changes come with <see cref="WatchEventType.None"/>.
/// </summary>
public sealed record ZooKeeperWatchEvent(WatchEventType Type, ZooKeeperState State, string? Path)
{
    internal static ZooKeeperWatchEvent Read(ref JuteReader r)
    {
        var type = (WatchEventType)r.ReadInt();
        var state = (ZooKeeperState)r.ReadInt();
        return new ZooKeeperWatchEvent(type, state, r.ReadString());
    }
}
