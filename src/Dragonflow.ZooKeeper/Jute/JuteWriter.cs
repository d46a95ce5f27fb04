using System.Buffers.Binary;
using System.Text;

namespace Dragonflow.ZooKeeper.Jute;

/// <summary>
/// Writes one length-prefixed frame in jute's binary archive: big-endian ints and longs, a
/// one-byte boolean, and buffers, strings and vectors as an int count (-1 for null) followed
/// by their contents (zookeeper.jute; BinaryOutputArchive).
/// </summary>
internal sealed class JuteWriter
{
    private byte[] _buffer = new byte[256];
    private int _length = 4; // room for the frame length, patched by ToFrame

    public void WriteInt(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    public void WriteLong(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    public void WriteBool(bool value) => Reserve(1)[0] = value ? (byte)1 : (byte)0;

    public void WriteBuffer(ReadOnlySpan<byte> value)
    {
        WriteInt(value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    public void WriteNullBuffer() => WriteInt(-1);

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt(-1);
            return;
        }
        var n = Encoding.UTF8.GetByteCount(value);
        WriteInt(n);
        Encoding.UTF8.GetBytes(value, Reserve(n));
    }

    public void WriteStringVector(IReadOnlyCollection<string> values)
    {
        WriteInt(values.Count);
        foreach (var v in values)
        {
            WriteString(v);
        }
    }

    /// <summary>Overwrites an int already written at <paramref name="offset"/> of the frame (e.g. a request's xid).</summary>
    public void PatchInt(int offset, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(offset, 4), value);

    /// <summary>The frame: a 4-byte big-endian length, then everything written.</summary>
    public ReadOnlyMemory<byte> ToFrame()
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer, _length - 4);
        return _buffer.AsMemory(0, _length);
    }

    private Span<byte> Reserve(int n)
    {
        if (_length + n > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + n));
        }
        var span = _buffer.AsSpan(_length, n);
        _length += n;
        return span;
    }
}
