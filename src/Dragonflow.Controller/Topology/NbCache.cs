using Dragonflow.Model;

namespace Dragonflow.Controller.Topology;

/// <summary>
/// The controller's copy of the NB objects it needs (networks, subnets, ports, chassis, routers, floating IPs, security groups), with
/// the indexes that keep one change's cost independent of the number of objects: ports by
/// network, ports by chassis, ports by security group, and per network how many ports each chassis holds.
///
/// Versions only move forward: an object older than the cached one is ignored, so a late
/// pub/sub event cannot undo a newer full-sync read (and vice versa). Objects whose
/// references have not arrived (a port before its network, a port bound to an unknown
/// chassis) are kept; apps skip them until the reference arrives, and the arrival of the
/// network or chassis re-evaluates exactly the objects that wait for it.
///
/// Used only from the controller's event loop.
/// </summary>
public sealed class NbCache
{
    private readonly Dictionary<string, LogicalSwitch> _networks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LogicalSubnet> _subnets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LogicalPort> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Chassis> _chassis = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LogicalRouter> _routers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SecurityGroup> _securityGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _portsBySecurityGroup = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _routersByNetwork = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _portsByNetwork = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _portsByChassis = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> _chassisByNetwork = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FloatingIp> _floatingIps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _floatingIpsByPort = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, LogicalSwitch> Networks => _networks;
    public IReadOnlyDictionary<string, LogicalSubnet> Subnets => _subnets;
    public IReadOnlyDictionary<string, LogicalPort> Ports => _ports;
    public IReadOnlyDictionary<string, Chassis> Chassis => _chassis;
    public IReadOnlyDictionary<string, LogicalRouter> Routers => _routers;
    public IReadOnlyDictionary<string, FloatingIp> FloatingIps => _floatingIps;
    public IReadOnlyDictionary<string, SecurityGroup> SecurityGroups => _securityGroups;

    /// <summary>The tables the cache keeps.</summary>
    public static IReadOnlyList<NbTable> Tables { get; } = [NbTables.Lswitch, NbTables.Lsubnet, NbTables.Lport, NbTables.Chassis, NbTables.Lrouter, NbTables.FloatingIp, NbTables.Lsecgroup];

    public IReadOnlyCollection<string> PortsOfNetwork(string networkId) =>
        _portsByNetwork.TryGetValue(networkId, out var s) ? s : [];

    /// <summary>Ports that list the security group (wherever they are bound): the group's members.</summary>
    public IReadOnlyCollection<string> PortsOfSecurityGroup(string groupId) =>
        _portsBySecurityGroup.TryGetValue(groupId, out var s) ? s : [];

    public IReadOnlyCollection<string> PortsOfChassis(string chassisId) =>
        _portsByChassis.TryGetValue(chassisId, out var s) ? s : [];

    /// <summary>Chassis that hold at least one port of the network (by NB binding).</summary>
    public IReadOnlyCollection<string> ChassisOfNetwork(string networkId) =>
        _chassisByNetwork.TryGetValue(networkId, out var d) ? d.Keys : [];

    /// <summary>Routers with an interface on the network.</summary>
    public IReadOnlyCollection<string> RoutersOfNetwork(string networkId) =>
        _routersByNetwork.TryGetValue(networkId, out var s) ? s : [];

    /// <summary>Floating IPs associated with the port (by their lport, the VM side).</summary>
    public IReadOnlyCollection<string> FloatingIpsOfPort(string portId) =>
        _floatingIpsByPort.TryGetValue(portId, out var s) ? s : [];

    public IEnumerable<string> NetworksOfChassis(string chassisId) =>
        PortsOfChassis(chassisId).Select(p => _ports[p].Lswitch).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// Stores <paramref name="obj"/> unless the cache has a newer version. Returns the
    /// previous object (null if none) and whether anything was stored.
    /// </summary>
    public (bool Stored, NbObject? Previous) Put(NbObject obj)
    {
        switch (obj)
        {
            case LogicalSwitch n: return Put(_networks, n);
            case LogicalSubnet s: return Put(_subnets, s);
            case Chassis c: return Put(_chassis, c);
            case SecurityGroup g: return Put(_securityGroups, g);
            case LogicalRouter r:
                var (routerStored, routerBefore) = Put(_routers, r);
                if (routerStored)
                {
                    if (routerBefore is LogicalRouter old) foreach (var rp in old.Ports) RemoveFrom(_routersByNetwork, rp.Lswitch, old.Id);
                    foreach (var rp in r.Ports) Add(_routersByNetwork, rp.Lswitch, r.Id);
                }
                return (routerStored, routerBefore);
            case FloatingIp f:
                var (fipStored, fipBefore) = Put(_floatingIps, f);
                if (fipStored)
                {
                    if (fipBefore is FloatingIp { Lport: { } oldPort } old) RemoveFrom(_floatingIpsByPort, oldPort, old.Id);
                    if (f.Lport is { } port) Add(_floatingIpsByPort, port, f.Id);
                }
                return (fipStored, fipBefore);
            case LogicalPort p:
                var (stored, previous) = Put(_ports, p);
                if (stored)
                {
                    if (previous is LogicalPort old) Unindex(old);
                    Index(p);
                }
                return (stored, previous);
            default: return (false, null);
        }
    }

    /// <summary>Removes an object; returns it, or null if it was not cached.</summary>
    public NbObject? Remove(string table, string id)
    {
        switch (table)
        {
            case NbTables.Names.Lswitch: return Remove(_networks, id);
            case NbTables.Names.Lsubnet: return Remove(_subnets, id);
            case NbTables.Names.Chassis: return Remove(_chassis, id);
            case NbTables.Names.Lsecgroup: return Remove(_securityGroups, id);
            case NbTables.Names.Lrouter:
                var r = Remove(_routers, id);
                if (r is not null) foreach (var rp in r.Ports) RemoveFrom(_routersByNetwork, rp.Lswitch, r.Id);
                return r;
            case NbTables.Names.FloatingIp:
                var f = Remove(_floatingIps, id);
                if (f?.Lport is { } port) RemoveFrom(_floatingIpsByPort, port, f.Id);
                return f;
            case NbTables.Names.Lport:
                var p = Remove(_ports, id);
                if (p is not null) Unindex(p);
                return p;
            default: return null;
        }
    }

    /// <summary>The cached object of a table, or null.</summary>
    public NbObject? Find(string table, string id) => table switch
    {
        NbTables.Names.Lswitch => _networks.GetValueOrDefault(id),
        NbTables.Names.Lsubnet => _subnets.GetValueOrDefault(id),
        NbTables.Names.Lport => _ports.GetValueOrDefault(id),
        NbTables.Names.Chassis => _chassis.GetValueOrDefault(id),
        NbTables.Names.Lrouter => _routers.GetValueOrDefault(id),
        NbTables.Names.FloatingIp => _floatingIps.GetValueOrDefault(id),
        NbTables.Names.Lsecgroup => _securityGroups.GetValueOrDefault(id),
        _ => null,
    };

    /// <summary>Every cached object of a table, by id.</summary>
    public IEnumerable<NbObject> All(string table) => table switch
    {
        NbTables.Names.Lswitch => _networks.Values,
        NbTables.Names.Lsubnet => _subnets.Values,
        NbTables.Names.Lport => _ports.Values,
        NbTables.Names.Chassis => _chassis.Values,
        NbTables.Names.Lrouter => _routers.Values,
        NbTables.Names.FloatingIp => _floatingIps.Values,
        NbTables.Names.Lsecgroup => _securityGroups.Values,
        _ => [],
    };

    private static (bool, NbObject?) Put<T>(Dictionary<string, T> map, T obj) where T : NbObject
    {
        if (map.TryGetValue(obj.Id, out var current) && current.Version > obj.Version) return (false, current);
        map[obj.Id] = obj;
        return (true, current);
    }

    private static T? Remove<T>(Dictionary<string, T> map, string id) where T : NbObject =>
        map.Remove(id, out var old) ? old : null;

    private void Index(LogicalPort p)
    {
        Add(_portsByNetwork, p.Lswitch, p.Id);
        foreach (var g in p.SecurityGroups) Add(_portsBySecurityGroup, g, p.Id);
        if (p.Chassis is { Length: > 0 } c)
        {
            Add(_portsByChassis, c, p.Id);
            var counts = _chassisByNetwork.TryGetValue(p.Lswitch, out var d) ? d : _chassisByNetwork[p.Lswitch] = new(StringComparer.Ordinal);
            counts[c] = counts.GetValueOrDefault(c) + 1;
        }
    }

    private void Unindex(LogicalPort p)
    {
        RemoveFrom(_portsByNetwork, p.Lswitch, p.Id);
        foreach (var g in p.SecurityGroups) RemoveFrom(_portsBySecurityGroup, g, p.Id);
        if (p.Chassis is { Length: > 0 } c)
        {
            RemoveFrom(_portsByChassis, c, p.Id);
            if (_chassisByNetwork.TryGetValue(p.Lswitch, out var counts) && counts.TryGetValue(c, out var n))
            {
                if (n <= 1) counts.Remove(c); else counts[c] = n - 1;
                if (counts.Count == 0) _chassisByNetwork.Remove(p.Lswitch);
            }
        }
    }

    private static void Add(Dictionary<string, HashSet<string>> index, string key, string id)
    {
        if (!index.TryGetValue(key, out var set)) index[key] = set = new(StringComparer.Ordinal);
        set.Add(id);
    }

    private static void RemoveFrom(Dictionary<string, HashSet<string>> index, string key, string id)
    {
        if (index.TryGetValue(key, out var set) && set.Remove(id) && set.Count == 0) index.Remove(key);
    }
}
