using Dragonflow.ZooKeeper.Jute;

namespace Dragonflow.ZooKeeper;

/// <summary>
/// A znode's metadata (zookeeper.jute org.apache.zookeeper.data.Stat, 68 bytes on the wire).
/// Czxid/Mzxid are the zxids of the creating and last modifying transactions; zxids are global
/// and increase monotonically, so unlike <see cref="Version"/> they are never repeated for a path.
/// </summary>
public readonly record struct ZNodeStat(
    long Czxid, long Mzxid, long Ctime, long Mtime, int Version, int Cversion, int Aversion,
    long EphemeralOwner, int DataLength, int NumChildren, long Pzxid)
{
    public const int Size = 68;

    internal static ZNodeStat Read(ref JuteReader r) => new(
        r.ReadLong(), r.ReadLong(), r.ReadLong(), r.ReadLong(), r.ReadInt(), r.ReadInt(), r.ReadInt(),
        r.ReadLong(), r.ReadInt(), r.ReadInt(), r.ReadLong());
}
