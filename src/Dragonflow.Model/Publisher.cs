namespace Dragonflow.Model;

/// <summary>
/// A process publishing DbUpdates (table <c>publisher</c>). Subscribers connect to every row's
/// uri; the publisher refreshes its row and removes rows whose timestamp went stale.
/// </summary>
public sealed class Publisher : NbObject
{
    /// <summary>Where subscribers connect, e.g. tcp://127.0.0.1:8866.</summary>
    public string Uri { get; set; } = "";

    /// <summary>Seconds since the Unix epoch of the last refresh.</summary>
    public double LastActivityTimestamp { get; set; }
}
