using System.Buffers;

namespace Dragonflow.OpenFlow.Messages;

/// <summary>
/// A message we can send: it knows its size and writes itself (header included) for a given xid.
/// Implemented by structs so that sending through a generic method neither boxes nor allocates.
/// </summary>
public interface IOpenFlowMessage
{
    int Size { get; }
    void Write(Span<byte> dst, uint xid);
}

public static class OpenFlowMessageExtensions
{
    /// <summary>Writes <paramref name="message"/> into a buffer writer (no allocation when the writer has room).</summary>
    public static void WriteTo<T>(this T message, IBufferWriter<byte> writer, uint xid) where T : IOpenFlowMessage
    {
        var size = message.Size;
        var span = writer.GetSpan(size);
        message.Write(span, xid);
        writer.Advance(size);
    }

    public static byte[] ToBytes<T>(this T message, uint xid = 0) where T : IOpenFlowMessage
    {
        var b = new byte[message.Size];
        message.Write(b, xid);
        return b;
    }
}
