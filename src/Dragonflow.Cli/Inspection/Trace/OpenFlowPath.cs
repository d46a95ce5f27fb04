using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>One traced flow with who installed it.</summary>
public sealed record AnnotatedFlow(byte Table, string TableName, ushort? Priority, string? Cookie, string App, string? Owner, bool OwnerExact,
    string Match, IReadOnlyList<string> Actions, IReadOnlyList<string> Notes)
{
    /// <summary>Set for a flow of another bridge than the traced one (not ours: not annotated).</summary>
    public string? Bridge { get; init; }
}

/// <summary>The packet's path through br-int of one chassis, and where it ended.</summary>
public sealed record OpenFlowResult(string Chassis, string Bridge, string Flow, IReadOnlyList<AnnotatedFlow> Flows,
    IReadOnlyList<string> DatapathActions, bool Forwarded, string Verdict)
{
    /// <summary>Set when the packet left through a tunnel to one other chassis (the next hop to trace).</summary>
    public TunnelHop? Tunnel { get; init; }

    /// <summary>Set when the packet left through the patch to a physical bridge towards one port on one other chassis (the next hop to trace).</summary>
    public PhysicalHop? Physical { get; init; }

    /// <summary>The packet as it left the bridge (ofproto/trace's final flow).</summary>
    public string? FinalFlow { get; init; }
}

/// <summary>A tunnel output: to which chassis (null if no chassis has that address), its type and key.</summary>
public sealed record TunnelHop(string? Chassis, string Type, string Destination, ulong Vni);

/// <summary>
/// An output to a physical network (a flat or VLAN network, by the provider app): br-int's patch
/// to the physical bridge, the VLAN id the frame was tagged with (null: untagged), and the
/// chassis of the destination port (null when the frame went to the network's uplink, to every chassis).
/// </summary>
public sealed record PhysicalHop(string? Chassis, string Patch, ushort? Vlan);

/// <summary>
/// The OpenFlow half of `dragonflow trace`: the packet as it leaves the source port, traced with
/// ofproto/trace on the chassis the port is plugged into; each flow annotated with its app
/// (the cookie's app byte) and the NB object that owns it (<see cref="FlowOwners"/>); the
/// verdict read from the outputs the flows performed (a local port, a tunnel to a chassis, the
/// controller) or from the last table, when none did.
/// </summary>
public static partial class OpenFlowPath
{
    [GeneratedRegex(@"^output:(?<port>\d+)$")]
    private static partial Regex OutputAction();

    [GeneratedRegex(@"set_field:(?<ip>[0-9.]+)->tun_dst")]
    private static partial Regex TunnelDestination();

    /// <summary>The outer destination of a tunnelled packet in the datapath actions (userspace tnl_push or kernel set(tunnel(...))).</summary>
    [GeneratedRegex(@"(?:ipv4\(src=[0-9.]+,dst=|tunnel\([^)]*?dst=)(?<ip>[0-9.]+)")]
    private static partial Regex DatapathTunnelDestination();

    /// <summary>Conntrack's source NAT in a ct action: ct(commit,zone=N,nat(src=IP)).</summary>
    [GeneratedRegex(@"nat\(src=(?<ip>[0-9.]+)")]
    private static partial Regex ConntrackSourceNat();

    [GeneratedRegex(@"set_field:(?<id>0x[0-9a-f]+)->tun_id")]
    private static partial Regex TunnelKey();

    [GeneratedRegex(@"^set_field:(?<vid>\d+)->vlan_vid$")]
    private static partial Regex VlanTag();

    [GeneratedRegex(@"(?:^|,)reg7=0x(?<key>[0-9a-f]+)(?:,|$)")]
    private static partial Regex DestinationPortKey();

    /// <summary>OFPVID_PRESENT: the bit of vlan_vid that says a tag is there.</summary>
    private const int VidPresent = 0x1000;

    [GeneratedRegex(@"^(?:set_field:|mod_nw_src:)(?<ip>[0-9.]+)(?:->(?:ip_src|nw_src))?$")]
    private static partial Regex SourceRewrite();

    /// <summary>The ofproto/trace flow of the first packet from <paramref name="logical"/>'s source, or null with the reason.</summary>
    public static string? FlowSpec(LogicalTrace logical, PacketSpec packet, uint inPort, string? destinationMac, out string reason)
    {
        reason = "";
        var srcMac = logical.Source.Macs.FirstOrDefault();
        if (srcMac is null)
        {
            reason = "the source port has no MAC";
            return null;
        }
        if (destinationMac is null)
        {
            reason = "the VM cannot resolve a next-hop MAC for the destination";
            return null;
        }
        var v6 = packet.Destination.AddressFamily == AddressFamily.InterNetworkV6;
        var proto = packet.ProtocolNumber switch
        {
            IpProtocols.Tcp => v6 ? "tcp6" : "tcp",
            IpProtocols.Udp => v6 ? "udp6" : "udp",
            IpProtocols.Sctp => v6 ? "sctp6" : "sctp",
            IpProtocols.Icmp or IpProtocols.Icmpv6 => v6 ? "icmp6" : "icmp",
            null => v6 ? "ipv6" : "ip",
            var n => (v6 ? "ipv6" : "ip") + ",nw_proto=" + n.Value.ToString(CultureInfo.InvariantCulture),
        };
        var parts = new List<string>
        {
            "in_port=" + inPort.ToString(CultureInfo.InvariantCulture), proto, "dl_src=" + srcMac, "dl_dst=" + destinationMac,
            (v6 ? "ipv6_src=" : "nw_src=") + logical.SourceIp, (v6 ? "ipv6_dst=" : "nw_dst=") + packet.Destination, "nw_ttl=64",
        };
        if (packet.HasPorts)
        {
            parts.Add("tp_src=" + (packet.SourcePort ?? 40000).ToString(CultureInfo.InvariantCulture));
            parts.Add("tp_dst=" + (packet.DestinationPort ?? 0).ToString(CultureInfo.InvariantCulture));
        }
        else if (packet.IsIcmp)
        {
            parts.Add((v6 ? "icmpv6_type=" : "icmp_type=") + packet.IcmpType.ToString(CultureInfo.InvariantCulture));
            parts.Add((v6 ? "icmpv6_code=" : "icmp_code=") + packet.IcmpCode.ToString(CultureInfo.InvariantCulture));
        }
        return string.Join(",", parts);
    }

    /// <summary>Annotates a trace and reads its verdict. <paramref name="bridge"/> holds the chassis' ports (lport and tunnel ofports).</summary>
    public static OpenFlowResult Explain(NbSnapshot nb, string chassis, string bridgeName, string flow, OfprotoTrace trace, FlowOwners owners, BridgePorts bridge)
    {
        var flows = trace.Flows.Select(f =>
        {
            if (f.Bridge.Length > 0 && f.Bridge != bridgeName) // e.g. the underlay bridge a tunnel output continues into
                return new AnnotatedFlow(f.Table, f.Bridge, f.Priority, f.Cookie is { } other ? "0x" + other.ToString("x", CultureInfo.InvariantCulture) : null,
                    "-", null, false, f.Match, f.Actions, f.Notes) { Bridge = f.Bridge };
            var owner = owners.Find(f);
            var packet = f.Section >= 1 && f.Section <= trace.FinalFlows.Count ? trace.FinalFlows[f.Section - 1] : null; // sections count from 1
            var notes = owners.Explain(f, owner?.Owners, packet) is { } why ? [why, .. f.Notes] : f.Notes;
            return new AnnotatedFlow(f.Table, Dragonflow.Controller.Pipeline.PipelineSpec.NameOf(f.Table), f.Priority, f.Cookie is { } c ? "0x" + c.ToString("x", CultureInfo.InvariantCulture) : null,
                f.Cookie is { } ck ? FlowOwners.AppName(FlowCookie.App(ck)) : "-", owner is { } o ? owners.Describe(o.Owners) : null, owner?.Exact ?? false,
                f.Match, f.Actions, notes);
        }).ToList();

        var outcomes = new List<string>();
        var tunnels = new List<TunnelHop>();
        var physical = new List<PhysicalHop>();
        var forwarded = false;
        string? tunDst = null, tunId = null;
        ushort? vlan = null;
        foreach (var f in flows.Where(f => f.Bridge is null))
        {
            foreach (var action in f.Actions)
            {
                if (TunnelDestination().Match(action) is { Success: true } td) tunDst = td.Groups["ip"].Value;
                if (TunnelKey().Match(action) is { Success: true } tk) tunId = tk.Groups["id"].Value;
                if (VlanTag().Match(action) is { Success: true } vt) vlan = (ushort)(int.Parse(vt.Groups["vid"].Value, CultureInfo.InvariantCulture) & ~VidPresent);
                if (action.StartsWith("CONTROLLER", StringComparison.OrdinalIgnoreCase) || action.StartsWith("controller(", StringComparison.Ordinal))
                    outcomes.Add($"sent to the controller from table {f.Table} ({f.TableName}) by {f.App}");
                if (action is "IN_PORT" or "in_port" or "output:IN_PORT")
                {
                    outcomes.Add($"sent back out of its own port by table {f.Table} ({f.TableName}), {f.App}");
                    forwarded = true;
                }
                if (action.StartsWith("bundle(", StringComparison.Ordinal))
                {
                    // The switch picked the first live member (BFD); the datapath actions say which tunnel it was.
                    var dst = DatapathTunnelDestination().Match(string.Join(",", trace.DatapathActions)) is { Success: true } dm ? dm.Groups["ip"].Value : null;
                    var gateway = dst is null ? null : nb.Chassis.Values.FirstOrDefault(c => c.Ip == dst);
                    var vni = tunId is null ? (ulong?)null : Convert.ToUInt64(tunId, 16);
                    if (dst is not null && vni is { } v && bridge.TunnelPorts.Keys.FirstOrDefault() is { } type) tunnels.Add(new TunnelHop(gateway?.Id, type, dst, v));
                    forwarded = dst is not null;
                    outcomes.Add(dst is null
                        ? $"no live gateway chassis among {action} (BFD down on every member) at table {f.Table} ({f.TableName}), {f.App}"
                        : $"sent to gateway chassis {gateway?.Id ?? dst}, the first live one of {action} (BFD), through its tunnel (VNI {vni?.ToString(CultureInfo.InvariantCulture) ?? "?"})"
                            + (f.Owner is null ? "" : $" for {f.Owner}") + $" by table {f.Table} ({f.TableName}), {f.App}");
                    continue;
                }
                if (OutputAction().Match(action) is not { Success: true } m) continue;
                var port = uint.Parse(m.Groups["port"].Value, CultureInfo.InvariantCulture);
                forwarded = true;
                if (bridge.LocalPorts.FirstOrDefault(kv => kv.Value == port).Key is { } lport)
                    outcomes.Add($"delivered to {owners.Describe(FlowOwner.Port(lport))} (ofport {port}) by table {f.Table} ({f.TableName}), {f.App}");
                else if (bridge.NeededPortAt(port) is { } patch && f.App == Dragonflow.Controller.Apps.Provider.ProviderApp.AppId.Name)
                {
                    var to = DestinationChassis(nb, trace.FinalFlows.LastOrDefault());
                    physical.Add(new PhysicalHop(to, patch, vlan));
                    outcomes.Add($"sent to the physical network through {patch} (ofport {port}), {(vlan is { } id ? $"tagged VLAN {id}" : "untagged")}"
                        + (f.Owner is null ? "" : $" for {f.Owner}") + (to is null ? ", to every chassis of the network" : $", towards chassis {to}")
                        + $" by table {f.Table} ({f.TableName}), {f.App}");
                }
                else if (bridge.NeededPortAt(port) == Dragonflow.Controller.Apps.Metadata.MetadataAddress.InterfaceName)
                {
                    var source = flows.Where(x => x.Bridge is null).SelectMany(x => x.Actions).Select(a => SourceRewrite().Match(a))
                        .LastOrDefault(x => x.Success)?.Groups["ip"].Value;
                    var key = source is null || !System.Net.IPAddress.TryParse(source, out var asker) ? null : Dragonflow.Controller.Apps.Metadata.MetadataAddress.PortKeyOf(asker);
                    var port0 = key is null ? null : nb.Ports.Values.FirstOrDefault(p => p.UniqueKey == key);
                    outcomes.Add($"sent to the metadata proxy through {Dragonflow.Controller.Apps.Metadata.MetadataAddress.InterfaceName} (ofport {port}) by table {f.Table} ({f.TableName}), {f.App}"
                        + (source is null ? "" : $", with source {source}{(port0 is null ? "" : $" naming {owners.Describe(FlowOwner.Port(port0.Id))}")}"));
                }
                else if (bridge.NeededPortAt(port) is not null)
                {
                    var source = flows.Where(x => x.Bridge is null).SelectMany(x => x.Actions)
                        .Select(a => SourceRewrite().Match(a) is { Success: true } s ? s : ConntrackSourceNat().Match(a))
                        .LastOrDefault(x => x.Success)?.Groups["ip"].Value;
                    var fip = source is null ? null : nb.FloatingIps.Values.FirstOrDefault(x => x.FloatingIpAddress == source);
                    outcomes.Add($"sent to the external network through the patch to the external bridge (ofport {port}) by table {f.Table} ({f.TableName}), {f.App}"
                        + (source is null ? "" : $", with source {source}{(fip is null ? "" : $" (floating IP {fip.Id})")}"));
                }
                else if (bridge.TunnelPorts.FirstOrDefault(kv => kv.Value == port).Key is { } type)
                {
                    var remote = tunDst is null ? null : nb.Chassis.Values.FirstOrDefault(c => c.Ip == tunDst);
                    if (tunDst is not null && tunId is not null) tunnels.Add(new TunnelHop(remote?.Id, type, tunDst, Convert.ToUInt64(tunId, 16)));
                    outcomes.Add($"sent to chassis {remote?.Id ?? tunDst ?? "?"} through the {type} tunnel (tun_dst {tunDst ?? "?"}, VNI {(tunId is null ? "?" : Convert.ToUInt64(tunId, 16).ToString(CultureInfo.InvariantCulture))})"
                        + (f.Owner is null ? "" : $" for {f.Owner}") + $" by table {f.Table} ({f.TableName}), {f.App}");
                }
                else outcomes.Add($"output to ofport {port} by table {f.Table} ({f.TableName}), {f.App}");
            }
        }
        string verdict;
        if (outcomes.Count > 0)
        {
            verdict = string.Join("; ", outcomes.Distinct());
            var datapath = trace.DatapathActions.LastOrDefault();
            if (forwarded && datapath == "drop")
            {
                var why = flows.SelectMany(f => f.Notes).Where(n => n.StartsWith(">>", StringComparison.Ordinal)).Select(n => n[2..].Trim()).ToList();
                verdict += "; but the datapath dropped it" + (why.Count > 0 ? ": " + string.Join("; ", why) : "");
                forwarded = false;
            }
        }
        else if (flows.LastOrDefault(f => f.Bridge is null) is { } last)
        {
            var network = trace.FinalFlows.LastOrDefault() is { } state ? owners.NetworkOf(state) : null;
            verdict = last.Priority is null
                ? $"dropped at table {last.Table} ({last.TableName}): no flow matched{(network is null ? "" : $" (packet on {network})")}"
                : $"dropped at table {last.Table} ({last.TableName}) by {last.App}: the flow{(last.Owner is null ? "" : " of " + last.Owner)} ends the pipeline without output ({string.Join(", ", last.Actions)})"
                    + (last.Notes.FirstOrDefault(n => n.StartsWith(FlowOwners.WhyPrefix, StringComparison.Ordinal)) is { } why ? ": " + why[FlowOwners.WhyPrefix.Length..] : "");
        }
        else verdict = "dropped: the bridge has no flow for the packet";
        return new OpenFlowResult(chassis, bridgeName, flow, flows, trace.DatapathActions, forwarded, verdict)
        {
            Tunnel = tunnels.Count == 1 && forwarded && outcomes.Count == 1 ? tunnels[0] : null,
            Physical = physical.Count == 1 && physical[0].Chassis is not null && forwarded && outcomes.Count == 1 ? physical[0] : null,
            FinalFlow = trace.FinalFlows.LastOrDefault(),
        };
    }

    /// <summary>Packet header fields of a trace's final flow that the next chassis receives unchanged.</summary>
    private static readonly HashSet<string> HeaderFields = new(StringComparer.Ordinal)
    {
        "dl_src", "dl_dst", "dl_type", "nw_src", "nw_dst", "ipv6_src", "ipv6_dst", "nw_proto", "nw_tos", "nw_ttl", "tp_src", "tp_dst",
        "icmp_type", "icmp_code", "icmpv6_type", "icmpv6_code", "arp_op", "arp_spa", "arp_tpa", "arp_sha", "arp_tha",
    };

    private static readonly HashSet<string> ProtocolWords = new(StringComparer.Ordinal)
    {
        "ip", "arp", "ipv6", "tcp", "udp", "icmp", "sctp", "tcp6", "udp6", "icmp6", "sctp6",
    };

    /// <summary>The ofproto/trace flow of the packet as the next chassis gets it from the tunnel.</summary>
    public static string NextHopFlow(string finalFlow, uint tunnelOfport, TunnelHop hop, string sourceIp)
    {
        var parts = new List<string>
        {
            "in_port=" + tunnelOfport.ToString(CultureInfo.InvariantCulture),
            "tun_id=0x" + hop.Vni.ToString("x", CultureInfo.InvariantCulture), "tun_src=" + sourceIp, "tun_dst=" + hop.Destination,
        };
        foreach (var token in finalFlow.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=');
            if (eq < 0 ? ProtocolWords.Contains(token) : HeaderFields.Contains(token[..eq])) parts.Add(token);
        }
        return string.Join(",", parts);
    }

    /// <summary>
    /// The ofproto/trace flow of the packet as the next chassis' br-int gets it from its patch to
    /// the physical bridge: with the VLAN tag it carried on the wire (the physical bridges switch
    /// it unchanged), the same header fields.
    /// </summary>
    public static string PhysicalNextHopFlow(string finalFlow, uint patchOfport, PhysicalHop hop)
    {
        var parts = new List<string> { "in_port=" + patchOfport.ToString(CultureInfo.InvariantCulture) };
        if (hop.Vlan is { } id) parts.Add("dl_vlan=" + id.ToString(CultureInfo.InvariantCulture));
        foreach (var token in finalFlow.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=');
            if (eq < 0 ? ProtocolWords.Contains(token) : HeaderFields.Contains(token[..eq])) parts.Add(token);
        }
        return string.Join(",", parts);
    }

    /// <summary>The chassis of the port a final flow's reg7 names; null for none (reg7 = 0 is a network's uplink) or an unbound port.</summary>
    private static string? DestinationChassis(NbSnapshot nb, string? finalFlow)
    {
        if (finalFlow is null || DestinationPortKey().Match(finalFlow) is not { Success: true } m) return null;
        var key = Convert.ToInt64(m.Groups["key"].Value, 16);
        if (key == 0) return null;
        return nb.Ports.Values.FirstOrDefault(p => p.UniqueKey == key)?.Chassis is { Length: > 0 } c ? c : null;
    }

    /// <summary>br-int's ports as the controller sees them, from the chassis' OVSDB interfaces.</summary>
    public static BridgePorts BridgePortsOf(IEnumerable<Dragonflow.Ovsdb.Vswitch.OvsInterface> interfaces, IReadOnlyList<string> tunnelTypes)
    {
        var bridge = new BridgePorts();
        foreach (var iface in interfaces.Where(i => i.HasOfport))
        {
            if (iface.Type == "patch" || (iface.Type == "internal" && iface.IfaceId is null)) // patches and the apps' internal ports
            {
                bridge.SetNeededPort(iface.Name, (uint)iface.Ofport!.Value);
                continue;
            }
            var tunnel = tunnelTypes.FirstOrDefault(t => iface.Name == Dragonflow.Controller.Hosting.ControllerOptions.TunnelPortName(t) && iface.Type == t);
            if (tunnel is not null) bridge.SetTunnel(tunnel, (uint)iface.Ofport!.Value);
            else if (Dragonflow.Controller.Topology.GatewayTunnel.IsGatewayTunnel(iface.Name))
                bridge.SetGatewayTunnel(iface.Name, iface.Options.GetValueOrDefault("remote_ip"), (uint)iface.Ofport!.Value);
            else if (iface.IfaceId is { } id) bridge.SetInterface(iface.Name, id, (uint)iface.Ofport!.Value);
        }
        return bridge;
    }

    /// <summary>Ports of any chassis holding this address (for a destination the VM could only reach with a static ARP entry).</summary>
    public static string? AnyMacFor(NbSnapshot nb, IPAddress ip) =>
        nb.Ports.Values.Where(p => p.Ips.Any(i => i.IpAddress == ip.ToString())).OrderBy(p => p.Id, StringComparer.Ordinal)
            .Select(p => p.Macs.FirstOrDefault()).FirstOrDefault(m => m is not null);
}
