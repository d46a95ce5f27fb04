using System.Net;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Pipeline;
using Dragonflow.OpenFlow.Actions;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.Apps;

/// <summary>
/// l3_reactive: traffic to another subnet of a router goes to the controller from table 20;
/// the first packet installs the hop to its destination VM in table 20 (priority 300) with an
/// idle timeout, so only destinations in use cost flows. The first packet is re-injected
/// (packet-out) once the hop is on the switch. Owners: "lrouter:ID" and "hop:NETKEY:IP".
/// </summary>
public sealed class L3ReactiveApp(ChassisContext context) : L3App(context)
{
    public static readonly AppId AppId = new(5, "l3_reactive");

    /// <summary>Seconds a hop stays on the switch without traffic.</summary>
    public const ushort IdleTimeout = 300;

    /// <summary>A packet-in for a hop installed less than this ago is the install still in flight, not an expiry.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <summary>Installed hops: source network key and destination address → the port, priority and when.</summary>
    private readonly Dictionary<(ulong Net, IPAddress Ip), (string PortId, ushort Priority, DateTime At)> _hops = [];

    public override AppId Id => AppId;

    public override IReadOnlySet<byte> Tables { get; } = new HashSet<byte> { Pipeline.Tables.L2Lookup, Pipeline.Tables.L3Lookup };

    protected override InstructionSet SubnetAction { get; } = InstructionSet.Apply([Output.ToController()]);

    public override void OnPacketIn(PacketInData packet)
    {
        if (packet.Table != Pipeline.Tables.L3Lookup) return;
        var f = packet.Frame;
        if (f.Length < 34 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
        {
            Context.Logger.LogDebug("l3 packet-in that is no IPv4 frame ({Length} bytes) dropped", f.Length);
            return;
        }
        var dst = new IPAddress(f.AsSpan(30, 4));
        var key = (packet.Metadata, dst);
        var now = DateTime.UtcNow;
        ushort priority = Priorities.VeryHigh;
        if (_hops.TryGetValue(key, out var known))
        {
            if (now - known.At < Settle) return;
            // The switch let the hop expire: install it under the other priority, so the
            // installer sees a change and sends it again.
            priority = known.Priority == Priorities.VeryHigh ? (ushort)(Priorities.VeryHigh + 1) : Priorities.VeryHigh;
        }
        // The packet goes back through the pipeline once the hop is installed, so it is not lost.
        if (Install(key, priority, now)) Context.Reinject(packet.InPort, packet.Frame);
    }

    protected override void OnRouterNetworksChanged(IReadOnlyCollection<string> networks) => Refresh(_ => true);

    public override void OnPortChanged(string portId)
    {
        base.OnPortChanged(portId);
        Refresh(h => h.PortId == portId);
    }

    private void Refresh(Func<(string PortId, ushort Priority, DateTime At), bool> which)
    {
        foreach (var (key, hop) in _hops.Where(kv => which(kv.Value)).ToList()) _ = Install(key, hop.Priority, hop.At);
    }

    /// <summary>Installs (or, if the destination is gone, removes) the hop from a network to an address.</summary>
    private bool Install((ulong Net, IPAddress Ip) key, ushort priority, DateTime at)
    {
        var owner = $"hop:{key.Net}:{key.Ip}";
        foreach (var portId in PortsWith(key.Ip))
        {
            if (PortView.Resolve(Context, portId) is not { } port) continue;
            foreach (var h in HopsTo(port))
            {
                if (h.FromNetworkKey != key.Net || !h.Address.Equals(key.Ip)) continue;
                _hops[key] = (portId, priority, at);
                Set(owner, [L3Flows.Hop(Pipeline.Tables.L3Lookup, priority, key.Net, key.Ip, 32, h.Via, port, IdleTimeout)]);
                return true;
            }
        }
        _hops.Remove(key);
        Clear(owner);
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
