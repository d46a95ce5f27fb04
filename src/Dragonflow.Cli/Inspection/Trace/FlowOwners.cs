using System.Globalization;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Apps.Dnat;
using Dragonflow.Controller.Apps.PortSecurity;
using Dragonflow.Controller.Apps.SecurityGroups;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Controller.Routing;
using Dragonflow.Controller.Flows;
using Dragonflow.Controller.Topology;
using Dragonflow.Model;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dragonflow.Cli.Inspection.Trace;

/// <summary>
/// Who installed a flow, found without asking the running controller: the apps are pure, so
/// running them offline over the same NB objects and the chassis' bridge ports yields the same
/// desired flows, each with its owner (<see cref="FlowOwner"/>). A traced flow is matched
/// by (table, priority, app) and then by its match. Flows no app computes ahead of time (e.g.
/// reactive routes) are attributed from their match: reg6/reg7 name a port, metadata a network;
/// a security group flow by its cookie tag (the group's unique key).
/// </summary>
public sealed class FlowOwners : IFlowTable
{
    private readonly Dictionary<(byte App, FlowOwner Owner), IReadOnlyCollection<DesiredFlow>> _byOwner = [];
    private readonly NbSnapshot _nb;
    private readonly BridgePorts _bridge;
    private Dictionary<(byte Table, ushort Priority, byte App), List<(FlowOwner Owner, DesiredFlow Flow)>>? _index;

    private FlowOwners(NbSnapshot nb, BridgePorts bridge)
    {
        _nb = nb;
        _bridge = bridge;
    }

    /// <summary>App names by cookie id, for every app this build knows.</summary>
    public static IReadOnlyDictionary<byte, string> AppNames { get; } = AppCatalog.Declarations().ToDictionary(a => a.Id.Value, a => a.Id.Name);

    public static string AppName(byte id) => AppNames.TryGetValue(id, out var name) ? name : id == 0 ? "-" : $"app {id}";

    /// <summary>
    /// Runs <paramref name="apps"/> as chassis <paramref name="host"/> would, over the NB snapshot
    /// and its bridge ports, through the controller's own change router (so in its order).
    /// </summary>
    public static FlowOwners Recompute(NbSnapshot nb, string host, IReadOnlyList<string> tunnelTypes, IReadOnlyList<string> apps, BridgePorts bridge,
        string externalBridge = "br-ex", IReadOnlyList<string>? bridgeMappings = null)
    {
        var owners = new FlowOwners(nb, bridge);
        var cache = new NbCache();
        foreach (var obj in nb.All)
            if (NbCache.Tables.Any(t => t.Type == obj.GetType())) cache.Put(obj);
        var context = new ChassisContext(host, tunnelTypes, cache, bridge, owners, NullLogger.Instance)
        {
            ExternalBridge = externalBridge,
            BridgeMappings = bridgeMappings ?? ["public:" + externalBridge],
        };
        var running = AppCatalog.Create(apps.Where(a => AppCatalog.KnownNames.Contains(a)), context);
        foreach (var app in running) app.Start();
        new ChangeRouter(cache, running).RecomputeAll();
        return owners;
    }

    public void Set(AppId app, FlowOwner owner, IEnumerable<DesiredFlow> flows)
    {
        _byOwner[(app.Value, owner)] = flows.ToList();
        _index = null;
    }

    public void Clear(AppId app, FlowOwner owner)
    {
        _byOwner.Remove((app.Value, owner));
        _index = null;
    }

    public IReadOnlyCollection<DesiredFlow> Get(AppId app, FlowOwner owner) => _byOwner.GetValueOrDefault((app.Value, owner)) ?? [];

    public int Count => _byOwner.Values.Sum(f => f.Count);

    /// <summary>Flows per app (by cookie id).</summary>
    public IReadOnlyDictionary<byte, int> CountByApp() =>
        _byOwner.GroupBy(kv => kv.Key.App).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value.Count));

    /// <summary>The owners of a traced flow, and whether they were found by recomputation or inferred from the match.</summary>
    public (IReadOnlyList<FlowOwner> Owners, bool Exact)? Find(TracedFlow flow)
    {
        if (flow.IsMiss || flow.Cookie is not { } cookie) return null;
        _index ??= _byOwner.SelectMany(kv => kv.Value.Select(f => (kv.Key.App, kv.Key.Owner, Flow: f)))
            .GroupBy(x => (x.Flow.Table, x.Flow.Priority, x.App))
            .ToDictionary(g => g.Key, g => g.Select(x => (x.Owner, x.Flow)).ToList());
        if (_index.TryGetValue((flow.Table, flow.Priority!.Value, FlowCookie.App(cookie)), out var candidates))
        {
            var traced = MatchText.Parse(flow.Match);
            var exact = candidates.Where(c => MatchText.Of(c.Flow.Match).SetEquals(traced)).Select(c => c.Owner).Distinct().ToList();
            if (exact.Count > 0) return (exact, true);
        }
        if (FlowCookie.App(cookie) == SecurityGroupApp.AppId.Value && FlowCookie.Tag(cookie) is > 0 and var tag &&
            _nb.SecurityGroups.Values.FirstOrDefault(g => g.UniqueKey == tag) is { } group)
            return ([FlowOwner.SecurityGroup(group.Id)], false);
        if (FlowCookie.App(cookie) == DnatApp.AppId.Value && FloatingIpOf(flow.Match) is { } fip)
            return ([FlowOwner.FloatingIp(fip.Id)], false);
        return Infer(flow.Match) is { } inferred ? ([inferred], false) : null;
    }
    /// <summary>
    /// The floating IP a dnat flow serves, by the addresses it matches: its fixed IP as source
    /// (the way out; its flow waits for the gateway's MAC, learned at run time, so it is not
    /// recomputed here) or the floating address as destination (the way in).
    /// </summary>
    private FloatingIp? FloatingIpOf(string match)
    {
        var tokens = MatchText.Parse(match);
        return _nb.FloatingIps.Values.OrderBy(f => f.Id, StringComparer.Ordinal).FirstOrDefault(f =>
            (f.FixedIpAddress is { } fixedIp && f.Lport is not null && tokens.Contains("nw_src=" + fixedIp)) ||
            tokens.Contains("nw_dst=" + f.FloatingIpAddress));
    }

    /// <summary>How <see cref="Explain"/>'s notes start (to tell them from ofproto/trace's own).</summary>
    public const string WhyPrefix = "=> ";

    /// <summary>
    /// What a flow means when its match alone does not say: a security group conjunction (the
    /// port is a member and a rule of the group matched), or the security group drop (no rule of
    /// the port's groups admits the packet; the drop is chassis-wide, so the port comes from the
    /// registers of <paramref name="packet"/>, the packet as the flow's section saw it). Null for
    /// other flows.
    /// </summary>
    public string? Explain(TracedFlow flow, IReadOnlyList<FlowOwner>? owners, string? packet = null)
    {
        if (flow.Cookie is { } nat && FlowCookie.App(nat) == DnatApp.AppId.Value)
            return ExplainNat(flow);
        if (flow.Cookie is { } ps && FlowCookie.App(ps) == PortSecurityApp.AppId.Value && flow.Actions is ["drop"])
            return ExplainPortSecurityDrop(flow, packet);
        if (flow.IsMiss || flow.Cookie is not { } cookie || FlowCookie.App(cookie) != SecurityGroupApp.AppId.Value) return null;
        if (flow.Table != Tables.EgressSecurityGroup && flow.Table != Tables.IngressSecurityGroup) return null;
        var direction = flow.Table == Tables.IngressSecurityGroup ? "ingress" : "egress";
        var group = owners?.FirstOrDefault(o => o.Table == NbTables.Lsecgroup);
        if (MatchText.Parse(flow.Match).Any(t => t.StartsWith("conj_id=", StringComparison.Ordinal)) && group is { } g)
            return $"{WhyPrefix}the port is in {Describe(g)} and one of its {direction} rules matched: the connection is admitted";
        var portOwner = owners?.Any(o => o.Table == NbTables.Lport) == true ? owners.First(o => o.Table == NbTables.Lport)
            : (packet is null ? null : PortOfPacket(packet, direction == "ingress" ? "reg7" : "reg6"));
        if (portOwner is { } owner && _nb.Ports.TryGetValue(owner.Id, out var port) && flow.Actions is ["drop"])
        {
            var groups = port.SecurityGroups.Count == 0 ? "the port has no security group"
                : "no " + direction + " rule of " + string.Join(", ", port.SecurityGroups.Select(id => Describe(FlowOwner.SecurityGroup(id)))) + " admits the packet";
            return $"{WhyPrefix}{Describe(owner)}: {groups} (the security groups' default drop)";
        }
        return null;
    }

    /// <summary>A portsec drop (chassis-wide): the sending port, from the packet's reg6, and what it may not send.</summary>
    private string? ExplainPortSecurityDrop(TracedFlow flow, string? packet)
    {
        var why = MatchText.Parse(flow.Match).Contains("icmpv6_type=" + PortSecurityFlows.RouterAdvertisement.ToString(CultureInfo.InvariantCulture))
            ? "a router advertisement, which a VM never sends"
            : flow.Table == Tables.EgressPortSecurity ? "the source MAC is none of the port's" : "the source address is none of the port's for that MAC";
        var port = packet is null ? null : PortOfPacket(packet, "reg6");
        return $"{WhyPrefix}{(port is { } p ? Describe(p) + ": " : "")}{why}";
    }

    /// <summary>The port a packet's register (reg6: where it came from, reg7: where it goes) names.</summary>
    private FlowOwner? PortOfPacket(string packet, string register) =>
        Infer(string.Join(",", MatchText.Parse(packet).Where(t => t.StartsWith(register + "=", StringComparison.Ordinal))));

    /// <summary>A dnat flow that rewrites an address to or from a floating IP: which one, and which way.</summary>
    private string? ExplainNat(TracedFlow flow)
    {
        foreach (var action in flow.Actions)
        {
            var arrow = action.IndexOf("->", StringComparison.Ordinal);
            if (!action.StartsWith("set_field:", StringComparison.Ordinal) || arrow < 0) continue;
            var (value, field) = (action["set_field:".Length..arrow], action[(arrow + 2)..]);
            if (field is "ip_src" or "nw_src" && _nb.FloatingIps.Values.FirstOrDefault(f => f.FloatingIpAddress == value) is { } snat)
                return $"{WhyPrefix}SNAT {snat.FixedIpAddress ?? "?"} -> floating IP {value} (floatingip {snat.Id})";
            if (field is "ip_dst" or "nw_dst" && _nb.FloatingIps.Values.FirstOrDefault(f => f.FixedIpAddress == value && f.Lport is not null) is { } dnat)
                return $"{WhyPrefix}DNAT floating IP {dnat.FloatingIpAddress} -> {value} (floatingip {dnat.Id})";
        }
        return null;
    }

    /// <summary>An owner from the match: a port by reg7/reg6/in_port, else a network by metadata.</summary>
    private FlowOwner? Infer(string match)
    {
        var fields = MatchText.Parse(match).Select(t => t.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        foreach (var reg in new[] { "reg7", "reg6" })
        {
            if (fields.TryGetValue(reg, out var v) && ulong.TryParse(v, CultureInfo.InvariantCulture, out var key) &&
                _nb.Ports.Values.FirstOrDefault(p => p.UniqueKey == (long)key) is { } port)
                return FlowOwner.Port(port.Id);
        }
        if (fields.TryGetValue("in_port", out var inPort) && uint.TryParse(inPort, CultureInfo.InvariantCulture, out var ofport) &&
            _bridge.LocalPorts.FirstOrDefault(kv => kv.Value == ofport).Key is { } local)
            return FlowOwner.Port(local);
        if (fields.TryGetValue("metadata", out var md) && ulong.TryParse(md, CultureInfo.InvariantCulture, out var net) &&
            _nb.Networks.Values.FirstOrDefault(n => n.UniqueKey == (long)net) is { } network)
            return FlowOwner.Network(network.Id);
        return null;
    }

    /// <summary>The network a packet state (a trace's flow text) is on, by its metadata; null if none.</summary>
    public string? NetworkOf(string flowText)
    {
        var metadata = MatchText.Parse(flowText).FirstOrDefault(t => t.StartsWith("metadata=", StringComparison.Ordinal));
        return metadata is not null && ulong.TryParse(metadata["metadata=".Length..], CultureInfo.InvariantCulture, out var key) &&
            _nb.Networks.Values.FirstOrDefault(n => n.UniqueKey == (long)key) is { } network
            ? Describe(FlowOwner.Network(network.Id))
            : null;
    }

    /// <summary>Owners in words, "; " between them.</summary>
    public string Describe(IEnumerable<FlowOwner> owners) => string.Join("; ", owners.Select(Describe));

    /// <summary>An owner in words: "lport ID (name, 10.0.0.1)", "lswitch ID (name)", "lrouter ID (name)", "floatingip ID (address)", a concern by its name.</summary>
    public string Describe(FlowOwner owner)
    {
        var what = owner.Table switch
        {
            null when owner == FlowOwner.Pipeline => "pipeline (chassis-wide)",
            null => owner.Id,
            var t when t == NbTables.Lport && _nb.Ports.TryGetValue(owner.Id, out var port) =>
                $"lport {port.Id} ({string.Join(", ", new[] { port.Name, string.Join(" ", port.Ips.Select(i => i.IpAddress)) }.Where(s => !string.IsNullOrEmpty(s)))})",
            var t when t == NbTables.Lswitch && _nb.Networks.TryGetValue(owner.Id, out var net) => Named("lswitch", owner.Id, net.Name),
            var t when t == NbTables.Lrouter && _nb.Routers.TryGetValue(owner.Id, out var router) => Named("lrouter", owner.Id, router.Name),
            var t when t == NbTables.Lsecgroup && _nb.SecurityGroups.TryGetValue(owner.Id, out var group) => Named("lsecgroup", owner.Id, group.Name),
            var t when t == NbTables.FloatingIp && _nb.FloatingIps.TryGetValue(owner.Id, out var fip) => $"floatingip {owner.Id} ({fip.FloatingIpAddress})",
            var t => $"{t.Name} {owner.Id}",
        };
        return owner.Part.Length == 0 ? what : $"{what} [{owner.Part}]";
    }

    private static string Named(string kind, string id, string? name) => string.IsNullOrEmpty(name) ? $"{kind} {id}" : $"{kind} {id} ({name})";
}
