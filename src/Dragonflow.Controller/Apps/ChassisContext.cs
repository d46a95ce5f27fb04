using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps;

/// <summary>What apps read (the cache, the bridge's ports, this chassis' name) and where they write (the flow table).</summary>
public sealed class ChassisContext(string host, IReadOnlyList<string> tunnelTypes, NbCache nb, BridgePorts bridge, IFlowTable flows, ILogger logger)
{
    /// <summary>This chassis' tunnel types, in order of preference.</summary>
    public IReadOnlyList<string> TunnelTypes { get; } = tunnelTypes;

    /// <summary>This chassis' name ([df] host).</summary>
    public string Host { get; } = host;

    public NbCache Nb { get; } = nb;

    public BridgePorts Bridge { get; } = bridge;

    public IFlowTable Flows { get; } = flows;

    public ILogger Logger { get; } = logger;

    /// <summary>[df] external_bridge: the bridge that carries external (floating IP) traffic.</summary>
    public string ExternalBridge { get; init; } = "br-ex";

    /// <summary>[df] bridge_mappings: physical_network:bridge pairs.</summary>
    public IReadOnlyList<string> BridgeMappings { get; init; } = ["public:br-ex"];

    /// <summary>[df] dns_domain: the domain DHCP hands out (option 15).</summary>
    public string DnsDomain { get; init; } = Dhcp.DhcpLease.DefaultDomain;

    /// <summary>True when the metadata service runs here (DHCP then routes the metadata address for subnets without a router).</summary>
    public bool MetadataService { get; init; }

    /// <summary>Local ports an app cannot serve here, with the reason; such a port is not bound ACTIVE.</summary>
    public PortFaults PortFaults { get; init; } = new();

    /// <summary>
    /// A monotonic clock (never negative) for rate limits and timers; tests replace it to make time
    /// deterministic. Time since the timestamp counter's origin, computed without the overflow of
    /// multiplying a nanosecond timestamp by TimeSpan's ticks per second.
    /// </summary>
    public Func<TimeSpan> Clock { get; set; } = () => System.Diagnostics.Stopwatch.GetElapsedTime(0);

    /// <summary>How the host sends a frame out of a switch port (null: no switch; the frame is dropped).</summary>
    public Action<uint, byte[]>? PacketOutSender { get; set; }

    /// <summary>Sends <paramref name="frame"/> out of switch port <paramref name="port"/>; apps never see the connection.</summary>
    public void SendPacketOut(uint port, byte[] frame)
    {
        if (PacketOutSender is { } send) send(port, frame);
        else Logger.LogDebug("no switch connected; packet-out to port {OfPort} dropped", port);
    }

    /// <summary>Flow sets refused because a flow broke its app's contract or the pipeline (a bug in the app; counted for tests).</summary>
    public int RefusedFlows { get; private set; }

    /// <summary>True if the port is plugged into this chassis' bridge.</summary>
    public bool IsLocal(string portId) => Bridge.IsLocal(portId);

    /// <summary>The chassis a port lives on if it is another one (bound in NB, not plugged here).</summary>
    public string? RemoteChassisOf(LogicalPort port) =>
        !Bridge.IsLocal(port.Id) && port.Chassis is { Length: > 0 } c && c != Host ? c : null;

    /// <summary>
    /// Ports of the network plugged here, by port key (cost: the number of local ports, not of the
    /// network's). The order is stable so that a fan-out flow built from them comes out the same
    /// after a restart, whatever order the interfaces were seen in.
    /// </summary>
    public IEnumerable<PortView> LocalPortsOf(string networkId)
    {
        var views = new List<PortView>();
        foreach (var id in Bridge.LocalPorts.Keys)
        {
            if (Nb.Ports.TryGetValue(id, out var p) && p.Lswitch == networkId && PortView.Resolve(this, id) is { } view)
                views.Add(view);
        }
        views.Sort((a, b) => a.Key.CompareTo(b.Key));
        return views;
    }

    private readonly List<(uint InPort, byte[] Frame)> _packetOuts = [];

    /// <summary>
    /// Re-injects <paramref name="frame"/> into the pipeline (packet-out, output:TABLE) as if it
    /// had arrived on <paramref name="inPort"/> (OFPP_CONTROLLER when it comes from nowhere). It is
    /// sent after the flows of the current batch, so a packet-in handler that installs flows and
    /// re-injects the packet sees it take the new flows.
    /// </summary>
    public void Reinject(uint inPort, byte[] frame) => _packetOuts.Add((inPort, frame));

    /// <summary>The re-injections queued since the last call (the host sends them after flushing flows).</summary>
    internal IReadOnlyList<(uint InPort, byte[] Frame)> TakePacketOuts()
    {
        if (_packetOuts.Count == 0) return [];
        var list = _packetOuts.ToList();
        _packetOuts.Clear();
        return list;
    }

    /// <summary>Hands an app's flows of one owner to the flow table; a set the installer refuses is logged and counted, never thrown at the app.</summary>
    internal void SetFlows(ControllerApp app, FlowOwner owner, IEnumerable<DesiredFlow> flows)
    {
        try
        {
            Flows.Set(app.Id, owner, flows);
        }
        catch (InvalidOperationException e)
        {
            RefusedFlows++;
            Logger.LogError("flows of {Owner} refused: {Reason}", owner, e.Message);
        }
    }
}
