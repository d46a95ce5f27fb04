namespace Dragonflow.NorthDb.PubSub;

/// <summary>
/// One NB change as published to subscribers: the pub/sub contract between the NB API and the controllers.
/// <see cref="Key"/> is the object id; <see cref="Value"/> the object's JSON (for delete, the
/// last stored value). <see cref="Seq"/> counts 1, 2, 3, ... per (publisher, topic), so that a
/// subscriber of a few topics can still spot a gap.
/// </summary>
public sealed record DbUpdate
{
    public required string Table { get; init; }

    public required string Key { get; init; }

    /// <summary>See <see cref="DbUpdateAction"/>; unknown actions are passed through.</summary>
    public required string Action { get; init; }

    public string? Value { get; init; }

    /// <summary>The tenant; null for global objects (chassis, publisher).</summary>
    public string? Topic { get; init; }

    public long Version { get; init; }

    public string PublisherId { get; init; } = "";

    public long Seq { get; init; }

    /// <summary>Seconds since the Unix epoch when the update was published.</summary>
    public double Timestamp { get; init; }
}

/// <summary>The actions a <see cref="DbUpdate"/> carries.</summary>
public static class DbUpdateAction
{
    public const string Create = "create";
    public const string Set = "set";
    public const string Delete = "delete";

    /// <summary>Ask subscribers to resynchronise (the whole DB, or <see cref="DbUpdate.Table"/>).</summary>
    public const string Sync = "sync";
}
