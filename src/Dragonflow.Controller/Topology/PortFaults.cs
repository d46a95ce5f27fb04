using System.Collections.Immutable;

namespace Dragonflow.Controller.Topology;

/// <summary>
/// Local ports an app cannot serve on this chassis, with the reason (e.g. a port on a physical
/// network the chassis has no bridge mapping for). Such a port is not bound ACTIVE here
/// (<c>PortBindings</c>) and its reason goes into the chassis report, where
/// <c>dragonflow status</c> shows it. Written from the event loop; the report reads the
/// immutable snapshot from its own task.
/// </summary>
public sealed class PortFaults
{
    private ImmutableSortedDictionary<string, string> _faults = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>Raised with the port whose reason was set or cleared.</summary>
    public event Action<string>? Changed;

    public IReadOnlyDictionary<string, string> All => Volatile.Read(ref _faults);

    public bool Has(string portId) => _faults.ContainsKey(portId);

    /// <summary>Records why <paramref name="portId"/> cannot be served; true if that is news.</summary>
    public bool Set(string portId, string reason)
    {
        if (_faults.TryGetValue(portId, out var old) && old == reason) return false;
        Volatile.Write(ref _faults, _faults.SetItem(portId, reason));
        Changed?.Invoke(portId);
        return true;
    }

    /// <summary>Forgets the fault of <paramref name="portId"/>; true if it had one.</summary>
    public bool Clear(string portId)
    {
        if (!_faults.ContainsKey(portId)) return false;
        Volatile.Write(ref _faults, _faults.Remove(portId));
        Changed?.Invoke(portId);
        return true;
    }
}
