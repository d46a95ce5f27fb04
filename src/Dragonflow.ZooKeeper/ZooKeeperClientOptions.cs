using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.ZooKeeper;

/// <summary>How a <see cref="ZooKeeperClient"/> finds the ensemble and how long it waits.</summary>
public sealed record ZooKeeperClientOptions
{
    /// <summary>Ensemble members as host:port (port 2181 when omitted); tried in turn from a random start.</summary>
    public required IReadOnlyList<string> Hosts { get; init; }

    /// <summary>Requested session timeout; the server clamps it to [2, 20] ticks.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed for the TCP connect and handshake with one server.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Time a request may take in all, waiting for a connection included.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where connection changes, protocol errors and session expiry are reported.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;
}
