using Dragonflow.ZooKeeper.Jute;
using Dragonflow.ZooKeeper.Protocol;

namespace Dragonflow.ZooKeeper;

/// <summary>
/// One operation of a multi (MultiOperationRecord: each op is a MultiHeader {type, done, err}
/// followed by its request record). All ops commit in one transaction, with one zxid, or none do.
/// </summary>
public abstract record ZooKeeperOp(string Path)
{
    internal abstract OpCode Type { get; }

    internal abstract void WriteBody(JuteWriter w);

    /// <summary>Creates a node (reported with its Stat, as create2 is).</summary>
    public static ZooKeeperOp Create(string path, ReadOnlyMemory<byte> data, CreateMode mode = CreateMode.Persistent) => new CreateOp(path, data, mode);

    /// <summary>Deletes a node if its version is <paramref name="version"/> (-1: any).</summary>
    public static ZooKeeperOp Delete(string path, int version = -1) => new DeleteOp(path, version);

    /// <summary>Replaces a node's data if its version is <paramref name="version"/> (-1: any).</summary>
    public static ZooKeeperOp SetData(string path, ReadOnlyMemory<byte> data, int version = -1) => new SetDataOp(path, data, version);

    /// <summary>Fails the multi unless the node's data version is <paramref name="version"/>.</summary>
    public static ZooKeeperOp Check(string path, int version) => new CheckOp(path, version);

    private sealed record CreateOp(string Path, ReadOnlyMemory<byte> Data, CreateMode Mode) : ZooKeeperOp(Path)
    {
        internal override OpCode Type => Mode == CreateMode.Container ? OpCode.CreateContainer : OpCode.Create2;

        internal override void WriteBody(JuteWriter w) => Requests.WriteCreate(w, Path, Data.Span, Mode);
    }

    private sealed record DeleteOp(string Path, int Version) : ZooKeeperOp(Path)
    {
        internal override OpCode Type => OpCode.Delete;

        internal override void WriteBody(JuteWriter w)
        {
            w.WriteString(Path);
            w.WriteInt(Version);
        }
    }

    private sealed record SetDataOp(string Path, ReadOnlyMemory<byte> Data, int Version) : ZooKeeperOp(Path)
    {
        internal override OpCode Type => OpCode.SetData;

        internal override void WriteBody(JuteWriter w)
        {
            w.WriteString(Path);
            w.WriteBuffer(Data.Span);
            w.WriteInt(Version);
        }
    }

    private sealed record CheckOp(string Path, int Version) : ZooKeeperOp(Path)
    {
        internal override OpCode Type => OpCode.Check;

        internal override void WriteBody(JuteWriter w)
        {
            w.WriteString(Path);
            w.WriteInt(Version);
        }
    }
}

/// <summary>
/// The outcome of one multi operation: <see cref="Error"/> is Ok on success; a create reports
/// the created path and Stat, a setData the new Stat.
/// </summary>
public sealed record ZooKeeperOpResult(ZooKeeperErrorCode Error, string? Path = null, ZNodeStat? Stat = null);
