using System.Buffers;
using System.Buffers.Binary;

namespace Dragonflow.OpenFlow.Protocol;

/// <summary>
/// Cuts a byte stream into OpenFlow messages. <see cref="TryReadFrame"/> returns false when more
/// bytes are needed and throws <see cref="OpenFlowProtocolException"/> for a header no message can
/// have (length &lt; 8): such a stream cannot be resynchronised, so the connection must close.
/// </summary>
public static class FrameReader
{
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (buffer.Length < OfpHeader.Size) return false;
        Span<byte> header = stackalloc byte[OfpHeader.Size];
        buffer.Slice(0, OfpHeader.Size).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        if (length < OfpHeader.Size)
            ProtocolThrow.Malformed($"message length {length} is shorter than the header");
        if (buffer.Length < length) return false;
        frame = buffer.Slice(0, length);
        buffer = buffer.Slice(length);
        return true;
    }
}
