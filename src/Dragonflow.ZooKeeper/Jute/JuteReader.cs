using System.Buffers.Binary;
using System.Text;

namespace Dragonflow.ZooKeeper.Jute;

/// <summary>
/// Reads jute's binary archive from one received frame (without its length prefix). Running
/// past the end or a negative count other than -1 is a <see cref="ZooKeeperProtocolException"/>.
/// </summary>
internal ref struct JuteReader(ReadOnlySpan<byte> frame)
{
    private readonly ReadOnlySpan<byte> _frame = frame;
    private int _position;

    public readonly int Remaining => _frame.Length - _position;

    public int ReadInt() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadLong() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public bool ReadBool() => Take(1)[0] != 0;

    public byte[]? ReadBuffer()
    {
        var n = ReadCount("buffer");
        return n < 0 ? null : Take(n).ToArray();
    }

    public string? ReadString()
    {
        var n = ReadCount("string");
        return n < 0 ? null : Encoding.UTF8.GetString(Take(n));
    }

    public List<string> ReadStringVector()
    {
        var n = ReadCount("vector");
        var list = new List<string>(Math.Max(n, 0));
        for (var i = 0; i < n; i++)
        {
            list.Add(ReadString() ?? throw new ZooKeeperProtocolException("null string in a vector"));
        }
        return list;
    }

    private int ReadCount(string what)
    {
        var n = ReadInt();
        if (n < -1 || n > Remaining)
        {
            throw new ZooKeeperProtocolException($"{what} length {n} with {Remaining} bytes left");
        }
        return n;
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n > Remaining)
        {
            throw new ZooKeeperProtocolException($"truncated frame: need {n} bytes, {Remaining} left");
        }
        var span = _frame.Slice(_position, n);
        _position += n;
        return span;
    }
}
