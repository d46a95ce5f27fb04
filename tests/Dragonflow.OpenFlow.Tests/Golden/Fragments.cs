using System.Buffers;
using System.IO.Pipelines;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Tests.Golden;

/// <summary>Feeds a captured stream through a pipe <c>chunk</c> bytes at a time and returns the frames the reader cut.</summary>
public static class Fragments
{
    public static List<byte[]> Cut(byte[] stream, int chunk)
    {
        var pipe = new Pipe();
        var frames = new List<byte[]>();
        for (var o = 0; o < stream.Length; o += chunk)
        {
            pipe.Writer.Write(stream.AsSpan(o, Math.Min(chunk, stream.Length - o)));
            var flush = pipe.Writer.FlushAsync();
            Assert.True(flush.IsCompleted);
            Assert.True(pipe.Reader.TryRead(out var result));
            var buffer = result.Buffer;
            while (FrameReader.TryReadFrame(ref buffer, out var frame))
                frames.Add(frame.ToArray());
            pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
        }
        pipe.Writer.Complete();
        Assert.True(pipe.Reader.TryRead(out var last));
        Assert.True(last.Buffer.IsEmpty, $"{last.Buffer.Length} bytes left over");
        return frames;
    }
}
