using System.Net;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Packets.Dhcp;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;
using Microsoft.Extensions.Logging;
using Dragonflow.Controller.Pipeline;

namespace Dragonflow.Controller.Apps.Dhcp;

/// <summary>
/// The distributed DHCP server. Table 9 sends every UDP 68 → 67 packet to table
/// 11 (above l2's default, so no edit of l2 is needed); table 11 sends it to the controller
/// only for local ports that have a subnet with enable_dhcp — others are dropped there, so a
/// port without DHCP gets nothing. The answer is computed from the NB cache alone (no lease
/// state: a port's address is its Neutron fixed IP) and sent back out of the asking port.
/// DISCOVER → OFFER; REQUEST → ACK, or NAK when it asks for another address; INFORM → ACK
/// without a lease; RELEASE and DECLINE are logged. A renewal (REQUEST from ciaddr, unicast) is
/// answered like any REQUEST. Table 10 answers ARP for the server
/// address so that unicast renewals reach us.
///
/// A token bucket per port bounds what one VM can make the controller do; malformed packets
/// are logged (at most once per second per port) and dropped.
///
/// Owners: <see cref="FlowOwner.Pipeline"/>, the port.
/// </summary>
public sealed class DhcpApp(ChassisContext context) : ControllerApp(context)
{
    public static readonly AppId AppId = new(3, "dhcp");

    /// <summary>Packets a port may send to the controller a second (sustained) and in one burst.</summary>
    public const double RatePerSecond = 10, Burst = 20;

    private readonly Dictionary<uint, TokenBucket> _buckets = [];
    private readonly Dictionary<uint, TimeSpan> _lastComplaint = [];

    /// <summary>The priority bands of dhcp, table by table.</summary>
    public static class Bands
    {
        /// <summary>Above l2's classification of ARP and its pass-through, so no edit of l2 is needed.</summary>
        public static readonly PriorityBand Requests = PriorityBand.At(Tables.ServicesClassification, "DHCP requests", Priorities.High);

        public static readonly PriorityBand ServerArp = PriorityBand.At(Tables.Arp, "DHCP server address", Priorities.Medium, SharedBy.ArpTarget);

        public static readonly PriorityBand LocalPort = PriorityBand.At(Tables.Dhcp, "local port", Priorities.Medium);

        public static IReadOnlyList<PriorityBand> All { get; } = [Requests, ServerArp, LocalPort];
    }

    public override AppContract Contract { get; } = new(AppId, Bands.All);

    public override AppEvents Handles => AppEvents.Port | AppEvents.PacketIn;

    /// <summary>Packets refused by the rate limit, malformed ones, and replies sent (for tests and diagnostics).</summary>
    public long RateLimited { get; private set; }
    public long Malformed { get; private set; }
    public long Replies { get; private set; }

    public override void Start() => Set(FlowOwner.Pipeline,
    [
        new DesiredFlow(Tables.ServicesClassification, Bands.Requests.Priority,
            Match.Of(MatchField.EthType(Dragonflow.Model.EtherTypes.Ipv4), MatchField.IpProto(Dragonflow.Model.IpProtocols.Udp),
                MatchField.Exact(OxmFields.UdpSrc, DhcpRequest.ClientPort), MatchField.Exact(OxmFields.UdpDst, DhcpRequest.ServerPort)),
            InstructionSet.Of(Instruction.Goto(Tables.Dhcp))),
    ]);

    public override void OnPortChanged(string portId)
    {
        if (!Context.Bridge.LocalPorts.TryGetValue(portId, out var ofport) || PortView.Resolve(Context, portId) is not { } p ||
            LeaseOf(p) is not { } lease)
        {
            Clear(FlowOwner.Port(portId));
            return;
        }
        foreach (var refused in lease.Refused)
            Context.Logger.LogWarning("extra DHCP option of port {PortId} not sent: {Reason}", portId, refused);
        Set(FlowOwner.Port(portId),
        [
            new DesiredFlow(Tables.Dhcp, Bands.LocalPort.Priority, Match.Of(MatchField.InPort(ofport)),
                InstructionSet.Apply([Output.ToController()])),
            new DesiredFlow(Tables.Arp, Bands.ServerArp.Priority,
                Match.Of([MatchField.InPort(ofport), .. ArpReply.RequestFor(lease.ServerIp)]),
                ArpReply.From(lease.ServerMac, lease.ServerIp)),
        ]);
    }

    public override void OnPacketIn(PacketInData packet)
    {
        var now = Context.Clock();
        if (!_buckets.TryGetValue(packet.InPort, out var bucket))
            _buckets[packet.InPort] = bucket = new TokenBucket(RatePerSecond, Burst);
        if (!bucket.TryTake(now))
        {
            RateLimited++;
            return;
        }
        var portId = PortOf(packet.InPort);
        if (portId is null) return; // unplugged meanwhile
        DhcpRequest request;
        try
        {
            request = DhcpRequest.Parse(packet.Frame);
        }
        catch (DhcpFormatException e)
        {
            Malformed++;
            if (!_lastComplaint.TryGetValue(packet.InPort, out var last) || now - last >= TimeSpan.FromSeconds(1))
            {
                _lastComplaint[packet.InPort] = now;
                Context.Logger.LogWarning("malformed DHCP packet from port {PortId} dropped: {Error}", portId, e.Message);
            }
            return;
        }
        if (PortView.Resolve(Context, portId) is not { } port || LeaseOf(port) is not { } lease) return;
        if (request.Type is DhcpMessageType.Release or DhcpMessageType.Decline)
            Context.Logger.LogInformation("DHCP {Request} from port {PortId} for {Address}", request.Type, portId, request.RequestedIp ?? request.ClientIp);
        if (Answer(request, port, lease) is { } reply)
        {
            Context.SendPacketOut(packet.InPort, reply.ToFrame());
            Replies++;
            Context.Logger.LogInformation("DHCP {Request} from port {PortId}: {Reply} {Address}", request.Type, portId, reply.Type, reply.YourIp);
        }
    }

    private DhcpLease? LeaseOf(PortView port) =>
        DhcpLease.For(port, Context.Nb.Subnets, Context.DnsDomain, Context.MetadataService ? HasNoRouter : null);

    /// <summary>A subnet no router interface is on: its VMs reach the metadata address only through a host route (Neutron's isolated metadata).</summary>
    private bool HasNoRouter(Dragonflow.Model.LogicalSubnet subnet) =>
        !Context.Nb.Ports.Values.Any(p => p.DeviceOwner == Dragonflow.Model.DeviceOwners.RouterInterface && p.Ips.Any(i => i.SubnetId == subnet.Id));

    /// <summary>The reply to <paramref name="request"/> (RFC 2131 §4.3), or null when none is due.</summary>
    public static DhcpReply? Answer(DhcpRequest request, PortView port, DhcpLease lease)
    {
        if (request.ClientMac != port.Mac)
            return null; // chaddr is not this port's MAC: not a client we know
        switch (request.Type)
        {
            case DhcpMessageType.Discover:
                return Reply(DhcpMessageType.Offer, request, lease, lease.Address, lease.Options);
            case DhcpMessageType.Request:
                if (request.ServerId is { } chosen && !chosen.Equals(lease.ServerIp))
                    return null; // the client took another server's offer
                var asked = request.RequestedIp ?? request.ClientIp;
                if (!asked.Equals(lease.Address))
                    return Reply(DhcpMessageType.Nak, request, lease, IPAddress.Any,
                        [DhcpOption.Text(DhcpOptionCode.Message, "requested address is not this port's")]);
                return Reply(DhcpMessageType.Ack, request, lease, lease.Address, lease.Options);
            case DhcpMessageType.Inform:
                return Reply(DhcpMessageType.Ack, request, lease, IPAddress.Any,
                    lease.Options.Where(o => o.Code is not (DhcpOptionCode.LeaseTime or DhcpOptionCode.RenewalTime or DhcpOptionCode.RebindingTime)).ToList());
            default:
                return null; // RELEASE, DECLINE: the address stays the port's; nothing to answer
        }
    }

    private static DhcpReply Reply(DhcpMessageType type, DhcpRequest request, DhcpLease lease, IPAddress yiaddr, IReadOnlyList<DhcpOption> options) =>
        new(type, request.TransactionId, request.Flags, type == DhcpMessageType.Nak ? IPAddress.Any : request.ClientIp, yiaddr,
            request.RelayIp, request.ClientMac, lease.ServerMac, lease.ServerIp, options, type == DhcpMessageType.Nak ? null : lease.NextServer);

    private string? PortOf(uint ofport)
    {
        foreach (var (id, port) in Context.Bridge.LocalPorts)
            if (port == ofport) return id;
        return null;
    }
}
