using System.Collections.Concurrent;
using Dragonflow.NorthDb.PubSub;

namespace Dragonflow.NorthDb.Tests.Api;

/// <summary>An in-process publisher that keeps what NbApi published, to assert on it.</summary>
internal sealed class RecordingPublisher : INbPublisher
{
    private readonly NullNbPublisher _stamper = new();

    public ConcurrentQueue<DbUpdate> Published { get; } = new();

    public string PublisherId => _stamper.PublisherId;

    public string? Uri => null;

    public void Start()
    {
    }

    public DbUpdate Publish(DbUpdate update)
    {
        var stamped = _stamper.Publish(update);
        Published.Enqueue(stamped);
        return stamped;
    }

    public void Dispose()
    {
    }
}
