namespace Dragonflow.NorthDb.PubSub;

/// <summary>
/// Receives <see cref="DbUpdate"/>s from every publisher listed in the NB publisher table.
/// Events are raised on the subscriber's own thread, one at a time, in the order each publisher
/// sent them; a handler should hand the update to its own queue and return quickly.
/// </summary>
public interface INbSubscriber : IDisposable
{
    /// <summary>A received update.</summary>
    event Action<DbUpdate>? UpdateReceived;

    /// <summary>Updates were lost between two received ones; the caller should resync that topic.</summary>
    event Action<SeqGap>? GapDetected;

    /// <summary>The subscriber connected to (true) or dropped (false) a publisher.</summary>
    event Action<string, bool>? PublisherChanged;

    /// <summary>Receive updates of one topic; "" (<see cref="PubSubTopic.Global"/>) is the topic of global objects.</summary>
    void Subscribe(string topic);

    void Unsubscribe(string topic);

    /// <summary>Receive every topic.</summary>
    void SubscribeAll();

    /// <summary>Starts following the publisher table and receiving.</summary>
    void Start();

    /// <summary>Publisher ids currently connected.</summary>
    IReadOnlyCollection<string> ConnectedPublishers { get; }
}

/// <summary>Updates <see cref="Expected"/>..<see cref="Received"/>-1 from one publisher and topic never arrived.</summary>
public sealed record SeqGap(string PublisherId, string Topic, long Expected, long Received);

/// <summary>Topic conventions shared by publishers and subscribers.</summary>
public static class PubSubTopic
{
    /// <summary>The topic of objects without a tenant (chassis, publisher).</summary>
    public const string Global = "";

    public static string Of(string? topic) => topic ?? Global;
}
