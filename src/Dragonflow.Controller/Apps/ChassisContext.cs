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

    /// <summary>The physical networks that [df] bridge_mappings maps to the external bridge (dnat).</summary>
    public IReadOnlySet<string> ExternalPhysicalNetworks { get; set; } = new HashSet<string>(StringComparer.Ordinal) { "public" };

    /// <summary>A monotonic clock for rate limits; tests replace it to make time deterministic.</summary>
    public Func<TimeSpan> Clock { get; set; } = () => TimeSpan.FromTicks(System.Diagnostics.Stopwatch.GetTimestamp() * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency);

    /// <summary>How the host sends a frame out of a switch port (null: no switch; the frame is dropped).</summary>
    public Action<uint, byte[]>? PacketOutSender { get; set; }

    /// <summary>Sends <paramref name="frame"/> out of switch port <paramref name="port"/>; apps never see the connection.</summary>
    public void SendPacketOut(uint port, byte[] frame)
    {
        if (PacketOutSender is { } send) send(port, frame);
        else Logger.LogDebug("no switch connected; packet-out to port {OfPort} dropped", port);
    }

    /// <summary>Flows that left an app's declared tables (a bug in the app; counted for tests).</summary>
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

    internal void SetFlows(ControllerApp app, string owner, IEnumerable<DesiredFlow> flows)
    {
        var list = flows as IReadOnlyCollection<DesiredFlow> ?? flows.ToList();
        foreach (var f in list)
        {
            if (!app.Tables.Contains(f.Table))
            {
                RefusedFlows++;
                Logger.LogError("app {App} wrote table {Table} which it does not own; flows of {Owner} refused", app.Id, f.Table, owner);
                return;
            }
        }
        Flows.Set(app.Id, owner, list);
    }
}
