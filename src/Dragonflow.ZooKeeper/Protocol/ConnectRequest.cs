using Dragonflow.ZooKeeper.Jute;

namespace Dragonflow.ZooKeeper.Protocol;

/// <summary>
/// The first frame on a connection (zookeeper.jute ConnectRequest): protocolVersion,
/// lastZxidSeen, timeOut (ms), sessionId (0 for a new session), passwd, then readOnly.
/// A non-zero sessionId with its passwd resumes that session on another server.
/// </summary>
internal sealed record ConnectRequest(long LastZxidSeen, int TimeoutMs, long SessionId, byte[] Password)
{
    public void Write(JuteWriter w)
    {
        w.WriteInt(0);
        w.WriteLong(LastZxidSeen);
        w.WriteInt(TimeoutMs);
        w.WriteLong(SessionId);
        w.WriteBuffer(Password);
        w.WriteBool(false);
    }
}

/// <summary>
/// The server's answer (zookeeper.jute ConnectResponse): protocolVersion, the negotiated
/// timeOut, sessionId and passwd, then readOnly. A timeOut of 0 or less means the session the
/// request named has expired.
/// </summary>
internal sealed record ConnectResponse(int TimeoutMs, long SessionId, byte[] Password)
{
    public bool Expired => TimeoutMs <= 0;

    public static ConnectResponse Read(ReadOnlySpan<byte> frame)
    {
        var r = new JuteReader(frame);
        r.ReadInt();
        var timeout = r.ReadInt();
        var session = r.ReadLong();
        var password = r.ReadBuffer() ?? [];
        // readOnly follows on servers that speak it; older ones stop here.
        return new ConnectResponse(timeout, session, password);
    }
}
