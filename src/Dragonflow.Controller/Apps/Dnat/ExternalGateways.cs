using System.Net;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps.Dnat;

/// <summary>
/// The external gateways' MACs, learned by ARP, and when to ask again: a gateway whose MAC is
/// unknown is asked every <see cref="RetryInterval"/>, a known one every
/// <see cref="RefreshInterval"/> (so a replaced gateway router is followed). A learned MAC is
/// kept until a reply says otherwise: a gateway that stops answering keeps its last MAC
/// rather than cutting the traffic. Time comes in as a parameter.
/// </summary>
public sealed class ExternalGateways
{
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<IPAddress, MacAddress> _macs = [];
    private readonly Dictionary<IPAddress, TimeSpan> _asked = [];

    public MacAddress? MacOf(IPAddress gateway) => _macs.TryGetValue(gateway, out var mac) ? mac : null;

    /// <summary>Records a reply; true if the MAC is new or changed.</summary>
    public bool Learn(IPAddress gateway, MacAddress mac)
    {
        if (_macs.TryGetValue(gateway, out var known) && known == mac) return false;
        _macs[gateway] = mac;
        return true;
    }

    /// <summary>The gateways of <paramref name="inUse"/> to ask now; they count as asked at <paramref name="now"/>.</summary>
    public IReadOnlyList<IPAddress> Due(IEnumerable<IPAddress> inUse, TimeSpan now)
    {
        var due = new List<IPAddress>();
        foreach (var gateway in inUse)
        {
            if (_asked.TryGetValue(gateway, out var at) && now - at < IntervalOf(gateway)) continue;
            _asked[gateway] = now;
            due.Add(gateway);
        }
        return due;
    }

    /// <summary>When the first of <paramref name="inUse"/> is next due (<see cref="Due"/>); null for none.</summary>
    public TimeSpan? NextDue(IEnumerable<IPAddress> inUse)
    {
        TimeSpan? next = null;
        foreach (var gateway in inUse)
        {
            var due = _asked.TryGetValue(gateway, out var at) ? at + IntervalOf(gateway) : TimeSpan.Zero;
            if (next is null || due < next) next = due;
        }
        return next;
    }

    private TimeSpan IntervalOf(IPAddress gateway) => _macs.ContainsKey(gateway) ? RefreshInterval : RetryInterval;

    /// <summary>Forgets when a gateway was asked, so the next tick asks it (a new sender needs the answer).</summary>
    public void AskSoon(IPAddress gateway) => _asked.Remove(gateway);
}
