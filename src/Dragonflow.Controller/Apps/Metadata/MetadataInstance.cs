using System.Collections.Concurrent;
using System.Net;

namespace Dragonflow.Controller.Apps.Metadata;

/// <summary>What the proxy tells Nova about a local port that asks: its instance (device_id), project and address.</summary>
public sealed record MetadataInstance(string PortId, string InstanceId, string ProjectId, IPAddress Address);

/// <summary>
/// The local ports the metadata proxy may answer, by port key. The app writes it on the
/// controller's loop; the proxy reads it from its own threads, hence a concurrent map.
/// </summary>
public sealed class MetadataDirectory
{
    private readonly ConcurrentDictionary<uint, MetadataInstance> _byKey = new();

    public MetadataInstance? Find(uint key) => _byKey.GetValueOrDefault(key);

    public void Set(uint key, MetadataInstance instance) => _byKey[key] = instance;

    public void Remove(uint key) => _byKey.TryRemove(key, out _);

    public int Count => _byKey.Count;
}
