namespace Dragonflow.Ovsdb;

public sealed class OvsdbClientOptions
{
    /// <summary>Send an echo after this much silence from the server, and give up on the
    /// connection when the echo stays unanswered as long again (RFC 7047 §4.1.11). Zero
    /// disables probing.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reconnect backoff starts here and doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan MinReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(4);
}
