using Dragonflow.ZooKeeper.Jute;

namespace Dragonflow.ZooKeeper.Protocol;

/// <summary>Request records shared by single requests and multi ops (zookeeper.jute).</summary>
internal static class Requests
{
    /// <summary>ZooDefs.Perms.ALL: read, write, create, delete, admin.</summary>
    private const int AllPermissions = 31;

    /// <summary>CreateRequest: path, data, acl vector, flags. The ACL is world:anyone with every permission.</summary>
    public static void WriteCreate(JuteWriter w, string path, ReadOnlySpan<byte> data, CreateMode mode)
    {
        w.WriteString(path);
        w.WriteBuffer(data);
        w.WriteInt(1);
        w.WriteInt(AllPermissions);
        w.WriteString("world");
        w.WriteString("anyone");
        w.WriteInt((int)mode);
    }

    /// <summary>ExistsRequest, GetDataRequest, GetChildrenRequest: path and watch flag.</summary>
    public static void WritePathWatch(JuteWriter w, string path, bool watch)
    {
        w.WriteString(path);
        w.WriteBool(watch);
    }
}
