namespace Dragonflow.Controller.Topology;

/// <summary>
/// What br-int holds on this chassis, as OVSDB reports it: the OpenFlow port of every
/// interface that names an lport (external_ids:iface-id), of the tunnel ports, one per
/// tunnel type, and of the ports apps need (<see cref="ChassisNeed"/>). Used only from the controller's event loop.
/// </summary>
public sealed class BridgePorts
{
    private readonly Dictionary<string, uint> _local = new(StringComparer.Ordinal);
    private readonly Dictionary<string, uint> _tunnels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _ifaceIdByInterface = new(StringComparer.Ordinal);

    /// <summary>lport id → ofport of the interface plugged for it here.</summary>
    public IReadOnlyDictionary<string, uint> LocalPorts => _local;

    /// <summary>Tunnel type (geneve, vxlan) → ofport of its flow-based tunnel port.</summary>
    public IReadOnlyDictionary<string, uint> TunnelPorts => _tunnels;

    public bool IsLocal(string portId) => _local.ContainsKey(portId);

    /// <summary>Records an interface with its ofport; returns the lport id whose state changed, if any.</summary>
    public string? SetInterface(string interfaceName, string? ifaceId, uint ofport)
    {
        var previous = _ifaceIdByInterface.GetValueOrDefault(interfaceName);
        if (previous is not null && previous != ifaceId)
        {
            _local.Remove(previous);
            _ifaceIdByInterface.Remove(interfaceName);
        }
        if (ifaceId is null) return previous;
        _ifaceIdByInterface[interfaceName] = ifaceId;
        if (_local.TryGetValue(ifaceId, out var old) && old == ofport) return null;
        _local[ifaceId] = ofport;
        return ifaceId;
    }

    /// <summary>Forgets an interface; returns the lport id it was plugged for, if any.</summary>
    public string? RemoveInterface(string interfaceName)
    {
        if (!_ifaceIdByInterface.Remove(interfaceName, out var ifaceId)) return null;
        _local.Remove(ifaceId);
        return ifaceId;
    }

    /// <summary>Records a tunnel port; true if its ofport changed.</summary>
    public bool SetTunnel(string type, uint ofport)
    {
        if (_tunnels.TryGetValue(type, out var old) && old == ofport) return false;
        _tunnels[type] = ofport;
        return true;
    }

    public bool RemoveTunnel(string type) => _tunnels.Remove(type);

    private readonly Dictionary<string, uint> _gatewayTunnels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _gatewayTunnelNames = new(StringComparer.Ordinal);

    /// <summary>Remote endpoint (IPv4 text) → ofport of its BFD tunnel port (<see cref="GatewayTunnel"/>).</summary>
    public IReadOnlyDictionary<string, uint> GatewayTunnels => _gatewayTunnels;

    /// <summary>Every tunnel port traffic from other chassis arrives on: the flow-based ones and the BFD ones.</summary>
    public IEnumerable<uint> IngressTunnels => _tunnels.Values.Concat(_gatewayTunnels.Values).Distinct().Order();

    /// <summary>Records a BFD tunnel port (<paramref name="ofport"/> null: gone); true if it changed.</summary>
    public bool SetGatewayTunnel(string interfaceName, string? remote, uint? ofport)
    {
        if (ofport is { } p && remote is not null)
        {
            if (_gatewayTunnels.TryGetValue(remote, out var old) && old == p) return false;
            _gatewayTunnels[remote] = p;
            _gatewayTunnelNames[interfaceName] = remote;
            return true;
        }
        if (!_gatewayTunnelNames.Remove(interfaceName, out var known)) return false;
        return _gatewayTunnels.Remove(known);
    }

    private readonly Dictionary<string, uint> _needed = new(StringComparer.Ordinal);

    /// <summary>The ofport of the br-int port an app needs (<see cref="ChassisNeed.IntegrationPort"/>); null while there is none.</summary>
    public uint? NeededPort(string name) => _needed.TryGetValue(name, out var ofport) ? ofport : null;

    /// <summary>The name of the needed port at <paramref name="ofport"/>, or null if it is none.</summary>
    public string? NeededPortAt(uint ofport) => _needed.FirstOrDefault(kv => kv.Value == ofport).Key;

    /// <summary>Records a needed port (null: gone); true if it changed.</summary>
    public bool SetNeededPort(string name, uint? ofport)
    {
        if (NeededPort(name) == ofport) return false;
        if (ofport is { } p) _needed[name] = p;
        else _needed.Remove(name);
        return true;
    }
}
