using Dragonflow.ZooKeeper.Jute;

namespace Dragonflow.ZooKeeper.Protocol;

/// <summary>
/// The reply to a multi (MultiResponse): per op a MultiHeader {type, done, err} and its result
/// record — create: path; create2/createContainer: path and Stat; setData: Stat; delete and
/// check: nothing; error (type -1): an int err — until a header with done set.
/// </summary>
internal static class MultiResponse
{
    public static List<ZooKeeperOpResult> Read(ReadOnlySpan<byte> body)
    {
        var r = new JuteReader(body);
        var results = new List<ZooKeeperOpResult>();
        while (true)
        {
            var type = (OpCode)r.ReadInt();
            var done = r.ReadBool();
            var err = (ZooKeeperErrorCode)r.ReadInt();
            if (done)
            {
                return results;
            }
            results.Add(type switch
            {
                OpCode.Create => new ZooKeeperOpResult(ZooKeeperErrorCode.Ok, r.ReadString()),
                OpCode.Create2 or OpCode.CreateContainer => new ZooKeeperOpResult(ZooKeeperErrorCode.Ok, r.ReadString(), ZNodeStat.Read(ref r)),
                OpCode.SetData => new ZooKeeperOpResult(ZooKeeperErrorCode.Ok, null, ZNodeStat.Read(ref r)),
                OpCode.Delete or OpCode.Check => new ZooKeeperOpResult(ZooKeeperErrorCode.Ok),
                OpCode.Error => new ZooKeeperOpResult((ZooKeeperErrorCode)r.ReadInt()),
                _ => throw new ZooKeeperProtocolException($"multi result of unknown type {(int)type} (err {(int)err})"),
            });
        }
    }
}
