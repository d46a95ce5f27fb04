using System.Net;
using System.Net.Sockets;
using Dragonflow.Controller.Apps.Metadata;
using Dragonflow.Model;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>
/// Follows a packet through the logical topology from the NB objects alone (Neutron semantics,
/// independent of the flows any app installs): the source port and its anti-spoofing, the
/// source's egress security groups, switching on the same network or routing through a router
/// interface (extra routes included), floating IP NAT, the destination port and its ingress
/// security groups. It stops at the first stage that drops the packet and says why.
/// </summary>
public sealed class LogicalPath
{
    private readonly NbSnapshot _nb;
    private readonly List<LogicalStep> _steps = [];

    private LogicalPath(NbSnapshot nb) => _nb = nb;

    public static LogicalTrace Evaluate(NbSnapshot nb, PacketSpec packet) => new LogicalPath(nb).Run(packet);

    /// <summary>The port a --from names: an id, a unique name, or a fixed IP.</summary>
    public static LogicalPort? FindPort(NbSnapshot nb, string idNameOrIp)
    {
        if (nb.Ports.TryGetValue(idNameOrIp, out var byId)) return byId;
        var byName = nb.Ports.Values.Where(p => p.Name == idNameOrIp).ToList();
        if (byName.Count == 1) return byName[0];
        var byIp = nb.Ports.Values.Where(p => p.Ips.Any(i => i.IpAddress == idNameOrIp)).ToList();
        return byIp.Count == 1 ? byIp[0] : null;
    }

    private LogicalTrace Run(PacketSpec packet)
    {
        var source = FindPort(_nb, packet.FromPort) ?? throw new ArgumentException($"no port '{packet.FromPort}' (give a port id, a unique name or a fixed IP)");
        var family = packet.Destination.AddressFamily;
        var sourceIp = packet.Source ?? source.Ips.Select(i => IPAddress.TryParse(i.IpAddress, out var a) ? a : null)
            .FirstOrDefault(a => a is not null && a.AddressFamily == family);
        if (sourceIp is null)
            return Stop(source, IPAddress.None, "source", Describe(source), $"the port has no {(family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address");
        var network = _nb.Networks.GetValueOrDefault(source.Lswitch);
        var binding = source.Chassis is { Length: > 0 } c ? $"bound to {c}, {source.Status}" : $"not bound to any chassis ({source.Status})";
        if (network is null) return Stop(source, sourceIp, "source", Describe(source), $"its network {source.Lswitch} does not exist");
        if (!source.Enabled) return Stop(source, sourceIp, "source", Describe(source), "admin_state_up is false: the port sends nothing");
        Add("source", Describe(source), $"{sourceIp} on network {Describe(network)}, {binding}");

        // Anti-spoofing (portsec): the source address must be the port's own or an allowed pair.
        if (source.PortSecurityEnabled)
        {
            var own = source.Ips.Any(i => i.IpAddress == sourceIp.ToString())
                || source.AllowedAddressPairs.Any(a => Cidr.TryParse(a.IpAddress, out var pair) && pair.Contains(sourceIp));
            if (!own) return Stop(source, sourceIp, "port security", Describe(source), $"source address {sourceIp} is neither a fixed IP nor an allowed address pair of the port",
                mac: NextHopMac(network, packet.Destination));
            Add("port security", Describe(source), $"source {sourceIp} belongs to the port");
        }

        var egress = SecurityGroupCheck.Evaluate(_nb, source, "egress", packet.Destination, packet);
        if (!egress.Allowed) return Stop(source, sourceIp, "egress security group", Describe(source), egress.Reason, mac: NextHopMac(network, packet.Destination));
        Add("egress security group", egress.Group is null ? Describe(source) : "lsecgroup " + egress.Group.Id, egress.Reason);

        if (MetadataRequest(packet))
            return Metadata(source, sourceIp);

        // Where does it go: same network, a floating IP, or through a router.
        string? mac;
        LogicalPort? destination;
        var seenSource = sourceIp; // the source address the destination sees (changed by NAT)
        var toAddress = packet.Destination;
        if (_nb.FloatingIps.Values.FirstOrDefault(f => f.FloatingIpAddress == packet.Destination.ToString()) is { } fip)
        {
            var router = RoutersOf(network.Id).FirstOrDefault(r => r.ExternalGatewayInfo?.NetworkId == fip.FloatingNetworkId);
            if (router is null)
                return Stop(source, sourceIp, "routing", "lswitch " + network.Id, $"{packet.Destination} is floating IP {fip.Id} on external network {fip.FloatingNetworkId}, and no router of network {Describe(network)} has a gateway there");
            if (fip.Lport is null || !_nb.Ports.TryGetValue(fip.Lport, out var inner))
                return Stop(source, sourceIp, "nat", "floatingip " + fip.Id, $"floating IP {fip.FloatingIpAddress} is not associated with a port");
            Add("routing", "lrouter " + router.Id, $"via router {Describe(router)} to its gateway on {fip.FloatingNetworkId}");
            seenSource = SourceNat(source, router, sourceIp, out var snat);
            if (snat is not null) Add("nat", snat.Value.Object, snat.Value.Detail);
            toAddress = IPAddress.TryParse(fip.FixedIpAddress ?? inner.Ips.FirstOrDefault()?.IpAddress, out var fixedIp) ? fixedIp : packet.Destination;
            Add("nat", "floatingip " + fip.Id, $"DNAT {fip.FloatingIpAddress} -> {toAddress} of port {Describe(inner)} (router {fip.Lrouter ?? router.Id})");
            destination = inner;
            mac = InterfaceMac(router, network.Id);
        }
        else if (SubnetOf(network.Id, packet.Destination) is { } subnet)
        {
            destination = PortHolding(network.Id, packet.Destination);
            if (destination is null)
                return Stop(source, sourceIp, "switching", "lswitch " + network.Id, $"{packet.Destination} is on subnet {subnet.Cidr} of network {Describe(network)} but no port there holds it (ARP goes unanswered)");
            Add("switching", "lswitch " + network.Id, $"same network: {packet.Destination} is on subnet {subnet.Cidr}, port {Describe(destination)}");
            mac = destination.Macs.FirstOrDefault();
        }
        else
        {
            var routed = Route(network, packet.Destination, out var reason);
            if (routed is null)
            {
                // The VM still sends it to its gateway when a router holds one: the switch drops it there.
                var gateway = RoutersOf(network.Id).Select(r => InterfaceMac(r, network.Id)).FirstOrDefault(m => m is not null);
                return Stop(source, sourceIp, "routing", "lswitch " + network.Id, reason, mac: gateway);
            }
            var (router, target, via) = routed.Value;
            Add("routing", "lrouter " + router.Id, via);
            if (target is null)
            {
                // Leaves the cloud: through the router's external gateway.
                var external = SourceNat(source, router, sourceIp, out var snat);
                if (snat is null) return Stop(source, sourceIp, "nat", "lrouter " + router.Id, $"{packet.Destination} is outside every subnet of router {Describe(router)}; the port has no floating IP and the router has no gateway chassis (no chassis has enable_chassis_as_gateway and a mapping for its external network)");
                Add("nat", snat.Value.Object, snat.Value.Detail);
                var gw = _nb.Networks.GetValueOrDefault(router.ExternalGatewayInfo!.NetworkId);
                return Done(source, sourceIp, null, InterfaceMac(router, network.Id),
                    $"leaves through the external network {(gw is null ? router.ExternalGatewayInfo.NetworkId : Describe(gw))} (br-ex) from {external}");
            }
            destination = target;
            mac = InterfaceMac(router, network.Id);
        }

        var dstNetwork = _nb.Networks.GetValueOrDefault(destination.Lswitch);
        if (!destination.Enabled)
            return Stop(source, sourceIp, "destination", Describe(destination), "admin_state_up is false: the port receives nothing", destination, mac);
        if (destination.DeviceOwner == DeviceOwners.RouterInterface)
            return Done(source, sourceIp, destination, mac, $"delivered to the router interface {Describe(destination)} ({toAddress}) on network {(dstNetwork is null ? destination.Lswitch : Describe(dstNetwork))}");
        var ingress = SecurityGroupCheck.Evaluate(_nb, destination, "ingress", seenSource, packet);
        if (!ingress.Allowed) return Stop(source, sourceIp, "ingress security group", Describe(destination), ingress.Reason, destination, mac);
        Add("ingress security group", ingress.Group is null ? Describe(destination) : "lsecgroup " + ingress.Group.Id, ingress.Reason);
        if (destination.Chassis is not { Length: > 0 } chassis)
            return Stop(source, sourceIp, "destination", Describe(destination), "the port is not bound to any chassis (no VM plugged)", destination, mac);
        Add("destination", Describe(destination), $"{toAddress} on network {(dstNetwork is null ? destination.Lswitch : Describe(dstNetwork))}, chassis {chassis}, {destination.Status}");
        return Done(source, sourceIp, destination, mac, $"delivered to port {Describe(destination)} on chassis {chassis}");
    }

    /// <summary>TCP to 169.254.169.254:80: a request to the metadata service, answered on the port's own chassis.</summary>
    private static bool MetadataRequest(PacketSpec packet) =>
        packet.Destination.Equals(MetadataAddress.Ipv4) && packet.ProtocolNumber == IpProtocols.Tcp && packet.DestinationPort == MetadataAddress.Port;

    private LogicalTrace Metadata(LogicalPort source, IPAddress sourceIp)
    {
        var chassis = source.Chassis is { Length: > 0 } c ? c : null;
        var asker = PortKeyText(source);
        if (chassis is null)
            return Stop(source, sourceIp, "metadata", Describe(source), "the port is not bound to any chassis, so no metadata proxy serves it", mac: MetadataAddress.Mac.ToString());
        Add("metadata", Describe(source),
            $"{MetadataAddress.Ipv4}:{MetadataAddress.Port} is the metadata service (app metadata_service): the switch rewrites the source to {asker} " +
            $"and hands the request to the proxy of chassis {chassis} on {MetadataAddress.InterfaceName}");
        if (source.DeviceId.Length == 0)
            return Stop(source, sourceIp, "metadata", Describe(source), "the port has no device_id: the proxy answers 404 (no instance to ask Nova about)", mac: MetadataAddress.Mac.ToString());
        Add("metadata", "nova", $"the proxy asks Nova's metadata API as instance {source.DeviceId} of project {source.Topic} for {sourceIp} (X-Instance-ID, X-Tenant-ID, X-Forwarded-For, signed)");
        return Done(source, sourceIp, null, MetadataAddress.Mac.ToString(), $"answered by the metadata proxy on chassis {chassis}");
    }

    private static string PortKeyText(LogicalPort port) =>
        port.UniqueKey is > 0 and <= uint.MaxValue && MetadataAddress.ForPortKey((uint)port.UniqueKey) is { } a
            ? $"{a} (port key {port.UniqueKey})"
            : $"no address (port key {port.UniqueKey} cannot be named: the request is dropped)";

    /// <summary>The router hop towards <paramref name="to"/>: an interface subnet, an extra route, or the external gateway (target null).</summary>
    private (LogicalRouter Router, LogicalPort? Target, string Via)? Route(LogicalSwitch from, IPAddress to, out string reason)
    {
        var routers = RoutersOf(from.Id).ToList();
        if (routers.Count == 0)
        {
            reason = $"{to} is not on network {Describe(from)} ({string.Join(", ", SubnetsOf(from.Id).Select(s => s.Cidr))}) and no router has an interface on it";
            return null;
        }
        foreach (var router in routers)
        {
            foreach (var rp in router.Ports)
            {
                if (rp.Lswitch == from.Id || !Cidr.TryParse(rp.Network, out var cidr) || !cidr.Contains(to)) continue;
                var net = _nb.Networks.GetValueOrDefault(rp.Lswitch);
                var port = PortHolding(rp.Lswitch, to);
                if (port is null)
                {
                    reason = $"router {Describe(router)} routes {to} to network {(net is null ? rp.Lswitch : Describe(net))} ({rp.Network}) but no port there holds it";
                    return null;
                }
                reason = "";
                return (router, port, $"router {Describe(router)}: interface {rp.Network} on network {(net is null ? rp.Lswitch : Describe(net))}, then port {Describe(port)}");
            }
        }
        foreach (var router in routers)
        {
            var route = router.Routes
                .Select(r => (Route: r, Ok: Cidr.TryParse(r.Destination, out var c), Cidr: c))
                .Where(r => r.Ok && r.Cidr.Contains(to)).OrderByDescending(r => r.Cidr.PrefixLength).FirstOrDefault();
            if (route.Route is null || !IPAddress.TryParse(route.Route.Nexthop, out var hop)) continue;
            var rp = router.Ports.FirstOrDefault(p => Cidr.TryParse(p.Network, out var c) && c.Contains(hop));
            var port = rp is null ? null : PortHolding(rp.Lswitch, hop);
            if (port is null)
            {
                reason = $"router {Describe(router)} has route {route.Route.Destination} via {route.Route.Nexthop}, but no port of its networks holds the next hop";
                return null;
            }
            reason = "";
            return (router, port, $"router {Describe(router)}: extra route {route.Route.Destination} via {route.Route.Nexthop} (port {Describe(port)})");
        }
        var gateway = routers.FirstOrDefault(r => r.ExternalGatewayInfo is { NetworkId.Length: > 0 });
        if (gateway is not null)
        {
            reason = "";
            return (gateway, null, $"router {Describe(gateway)}: {to} is outside its subnets, to its external gateway on {gateway.ExternalGatewayInfo!.NetworkId}");
        }
        reason = $"no router of network {Describe(from)} ({string.Join(", ", routers.Select(Describe))}) has an interface, route or gateway towards {to}";
        return null;
    }

    /// <summary>The source address after the router: the port's floating IP, else the router's SNAT address; null step when neither applies.</summary>
    private IPAddress SourceNat(LogicalPort source, LogicalRouter router, IPAddress sourceIp, out (string Object, string Detail)? step)
    {
        if (_nb.FloatingIps.Values.FirstOrDefault(f => f.Lport == source.Id && IPAddress.TryParse(f.FloatingIpAddress, out _)) is { } own)
        {
            step = ("floatingip " + own.Id, $"SNAT {sourceIp} -> floating IP {own.FloatingIpAddress}");
            return IPAddress.Parse(own.FloatingIpAddress);
        }
        var schedule = GatewaySchedule.For(router, router.ExternalGatewayInfo is { } info ? _nb.Networks.GetValueOrDefault(info.NetworkId) : null, _nb.Chassis.Values);
        var chassis = schedule.Count == 0 ? "" : $" on gateway chassis {schedule[0]}" + (schedule.Count > 1 ? $" (standby: {string.Join(", ", schedule.Skip(1))})" : "");
        if (schedule.Count > 0 && router.ExternalGatewayInfo is { EnableSnat: true } gw && gw.ExternalFixedIps.FirstOrDefault() is { } ext && IPAddress.TryParse(ext.IpAddress, out var snat))
        {
            step = ("lrouter " + router.Id, $"SNAT {sourceIp} -> router gateway address {snat}{chassis}");
            return snat;
        }
        if (schedule.Count > 0)
        {
            step = ("lrouter " + router.Id, $"no SNAT (enable_snat is false): routed with its own address{chassis}");
            return sourceIp;
        }
        step = null;
        return sourceIp;
    }

    private IEnumerable<LogicalRouter> RoutersOf(string networkId) =>
        _nb.Routers.Values.Where(r => r.AdminStateUp && r.Ports.Any(p => p.Lswitch == networkId)).OrderBy(r => r.Id, StringComparer.Ordinal);

    private IEnumerable<LogicalSubnet> SubnetsOf(string networkId) =>
        _nb.Subnets.Values.Where(s => s.Lswitch == networkId).OrderBy(s => s.Id, StringComparer.Ordinal);

    private LogicalSubnet? SubnetOf(string networkId, IPAddress ip) =>
        SubnetsOf(networkId).FirstOrDefault(s => Cidr.TryParse(s.Cidr, out var c) && c.Contains(ip));

    private LogicalPort? PortHolding(string networkId, IPAddress ip)
    {
        var text = ip.ToString();
        var ports = _nb.Ports.Values.Where(p => p.Lswitch == networkId).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
        return ports.FirstOrDefault(p => p.Ips.Any(i => i.IpAddress == text))
            ?? ports.FirstOrDefault(p => p.AllowedAddressPairs.Any(a => Cidr.TryParse(a.IpAddress, out var c) && c.PrefixLength == c.Address.GetAddressBytes().Length * 8 && c.Contains(ip)));
    }

    /// <summary>
    /// The Ethernet destination the VM sends to even when a later stage drops the packet (the
    /// switch should drop it too; the OpenFlow trace shows where): the port holding the address
    /// on its own subnet, else its router's interface.
    /// </summary>
    private string? NextHopMac(LogicalSwitch network, IPAddress destination) =>
        SubnetOf(network.Id, destination) is not null
            ? PortHolding(network.Id, destination)?.Macs.FirstOrDefault()
            : RoutersOf(network.Id).Select(r => InterfaceMac(r, network.Id)).FirstOrDefault(m => m is not null);

    private static string? InterfaceMac(LogicalRouter router, string networkId) => router.Ports.FirstOrDefault(p => p.Lswitch == networkId)?.Mac;

    private void Add(string stage, string obj, string detail) => _steps.Add(new LogicalStep(stage, obj, detail));

    private LogicalTrace Stop(LogicalPort source, IPAddress sourceIp, string stage, string obj, string reason, LogicalPort? destination = null, string? mac = null)
    {
        _steps.Add(new LogicalStep(stage, obj, reason, Passed: false));
        return new LogicalTrace(_steps, false, $"dropped at {stage} ({obj}): {reason}", source, sourceIp, destination, mac);
    }

    private LogicalTrace Done(LogicalPort source, IPAddress sourceIp, LogicalPort? destination, string? mac, string verdict) =>
        new(_steps, true, verdict, source, sourceIp, destination, mac);

    private static string Describe(NeutronResource r) => string.IsNullOrEmpty(r.Name) ? r.Id : $"{r.Name} ({r.Id})";

    private static string Describe(LogicalPort p) => "lport " + (string.IsNullOrEmpty(p.Name) ? p.Id : $"{p.Name} ({p.Id})");
}
