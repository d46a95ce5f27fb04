using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.OpenFlow.Connection;

public sealed record OpenFlowConnectionOptions
{
    /// <summary>Send an ECHO_REQUEST after this much silence from the switch.</summary>
    public TimeSpan EchoInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Close the connection after this much silence (the peer is dead).</summary>
    public TimeSpan DeadInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>HELLO + FEATURES must complete within this time.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Awaited requests (barrier, multipart, bundle control) fail after this time.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>SET_CONFIG miss_send_len: 0xffff sends whole packets to the controller.</summary>
    public ushort MissSendLength { get; init; } = 0xffff;

    /// <summary>Writers wait (back-pressure) when this many bytes are queued for the socket.</summary>
    public long SendBufferLimit { get; init; } = 32 * 1024 * 1024;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
