using System.Buffers.Binary;
using System.Net;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Model;
using Dragonflow.OpenFlow.Actions;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps.L3;

/// <summary>
/// l3_reactive: traffic to another subnet of a router goes to the controller from table 20;
/// the first packet installs the hop to its destination VM in table 20 with an idle timeout, so
/// only destinations in use cost flows. The first packet is re-injected (packet-out) once the
/// hop is on the switch. When the switch expires a hop (FLOW_REMOVED) the app forgets it, and
/// the next packet to that destination installs it again.
///
/// Owners: the router, and the destination port for each hop to it (one part per source
/// network and address, <see cref="HopOwner"/>).
/// </summary>
public sealed class L3ReactiveApp(ChassisContext context) : L3App(context)
{
    public static readonly AppId AppId = new(5, "l3_reactive");

    /// <summary>Seconds a hop stays on the switch without traffic.</summary>
    public const ushort IdleTimeout = 300;

    public static readonly PriorityBand HopBand = PriorityBand.At(Tables.L3Lookup, "hop to a VM", Priorities.VeryHigh);

    /// <summary>A packet-in for a hop installed less than this ago is the install still in flight.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <summary>Installed hops: source network key and destination address → the port and when.</summary>
    private readonly Dictionary<(ulong Net, IPAddress Ip), (string PortId, DateTime At)> _hops = [];

    public override AppContract Contract { get; } = new(AppId, [.. L3Flows.Bands.Router, HopBand]);

    protected override InstructionSet SubnetAction { get; } = InstructionSet.Apply([Output.ToController()]);

    /// <summary>The owner of the hop from network <paramref name="netKey"/> to <paramref name="ip"/>, held by port <paramref name="portId"/>.</summary>
    public static FlowOwner HopOwner(string portId, ulong netKey, IPAddress ip) => FlowOwner.Port(portId).WithPart($"hop to {ip} from network {netKey}");

    public override void OnPacketIn(PacketInData packet)
    {
        if (packet.Table != Tables.L3Lookup) return;
        var f = packet.Frame;
        if (f.Length < 34 || BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(12)) != EtherTypes.Ipv4 || (f[14] >> 4) != 4)
        {
            Context.Logger.LogDebug("l3 packet-in that is no IPv4 frame ({Length} bytes) dropped", f.Length);
            return;
        }
        var key = (packet.Metadata, new IPAddress(f.AsSpan(30, 4)));
        var now = DateTime.UtcNow;
        if (_hops.TryGetValue(key, out var known) && now - known.At < Settle) return;
        // The packet goes back through the pipeline once the hop is installed, so it is not lost.
        if (Install(key, now)) Context.Reinject(packet.InPort, packet.Frame);
    }

    public override void OnFlowExpired(FlowOwner owner, DesiredFlow flow)
    {
        foreach (var (key, hop) in _hops.Where(kv => HopOwner(kv.Value.PortId, kv.Key.Net, kv.Key.Ip) == owner).ToList())
        {
            _hops.Remove(key);
            Context.Logger.LogDebug("hop to {Ip} from network {Net} expired on the switch", key.Ip, key.Net);
        }
    }

    protected override void OnRouterNetworksChanged(IReadOnlyCollection<string> networks) => Refresh(_ => true);

    public override void OnPortChanged(string portId)
    {
        base.OnPortChanged(portId);
        Refresh(h => h.PortId == portId);
    }

    private void Refresh(Func<(string PortId, DateTime At), bool> which)
    {
        foreach (var (key, hop) in _hops.Where(kv => which(kv.Value)).ToList()) _ = Install(key, hop.At);
    }

    /// <summary>Installs (or, if the destination is gone, removes) the hop from a network to an address.</summary>
    private bool Install((ulong Net, IPAddress Ip) key, DateTime at)
    {
        var previous = _hops.TryGetValue(key, out var known) ? known.PortId : null;
        foreach (var portId in PortsWith(key.Ip))
        {
            if (PortView.Resolve(Context, portId) is not { } port) continue;
            foreach (var h in HopsTo(port))
            {
                if (h.FromNetworkKey != key.Net || !h.Address.Equals(key.Ip)) continue;
                if (previous is not null && previous != portId) Clear(HopOwner(previous, key.Net, key.Ip));
                _hops[key] = (portId, at);
                Set(HopOwner(portId, key.Net, key.Ip), [L3Flows.Hop(HopBand, HopBand.Priority, key.Net, key.Ip, 32, h.Via, port, IdleTimeout)]);
                return true;
            }
        }
        if (previous is not null) Clear(HopOwner(previous, key.Net, key.Ip));
        _hops.Remove(key);
        return false;
    }

    /// <summary>Ports on the routed networks of the source network that hold the address.</summary>
    private IEnumerable<string> PortsWith(IPAddress ip)
    {
        var text = ip.ToString();
        foreach (var router in Context.Nb.Routers.Values)
            foreach (var rp in router.Ports)
                foreach (var id in Context.Nb.PortsOfNetwork(rp.Lswitch))
                {
                    if (Context.Nb.Ports.TryGetValue(id, out var p) && p.Ips.Any(a => a.IpAddress == text)) yield return id;
                }
    }
}
