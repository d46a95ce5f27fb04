using System.Text;

namespace Dragonflow.NorthDb.PubSub.Zmq;

/// <summary>
/// The ZeroMQ message of one DbUpdate: two frames, [topic + NUL, JSON]. ZeroMQ SUB sockets
/// filter on a prefix of the first frame; the NUL ends the topic so that a subscription to
/// "t1" does not also match "t10". Subscribing to the empty prefix receives every topic.
/// </summary>
internal static class ZmqWire
{
    public static byte[] TopicFrame(string topic)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(topic) + 1];
        Encoding.UTF8.GetBytes(topic, bytes);
        return bytes;
    }
}
