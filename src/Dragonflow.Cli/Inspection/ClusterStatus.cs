using System.Globalization;
using Dragonflow.Model;

namespace Dragonflow.Cli.Inspection;

/// <summary>
/// What `dragonflow status` reports, computed from one NB read: each chassis is up while its
/// controller's heartbeat (chassis last_seen_up) is younger than <see cref="MissedHeartbeats"/>
/// of its own report intervals, down when older, unknown when it never reported; the publishers
/// with the age of their last refresh; the ports of each chassis with their NB status; the
/// gateway chassis of each router with an external gateway (<see cref="RouterGatewayStatus"/>).
/// </summary>
public sealed record ClusterStatus(IReadOnlyList<ChassisStatus> Chassis, IReadOnlyList<PublisherStatus> Publishers, IReadOnlyList<PortStatus> UnboundPorts,
    IReadOnlyList<RouterGatewayStatus> Routers)
{
    /// <summary>A chassis is down after this many report intervals without a heartbeat.</summary>
    public const int MissedHeartbeats = 3;

    public static ClusterStatus Compute(NbSnapshot nb, DateTimeOffset now)
    {
        var nowSeconds = now.ToUnixTimeMilliseconds() / 1000.0;
        var portsByChassis = nb.Ports.Values.Where(p => p.Chassis is { Length: > 0 }).GroupBy(p => p.Chassis!)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var chassis = new List<ChassisStatus>();
        foreach (var c in nb.Chassis.Values.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            double? age = c.LastSeenUp is { } seen ? Math.Max(0, nowSeconds - seen) : null;
            var interval = c.ReportInterval is > 0 ? c.ReportInterval.Value : 10;
            var state = age is null ? "unknown" : age <= MissedHeartbeats * interval ? "up" : "down";
            var ports = portsByChassis.GetValueOrDefault(c.Id) ?? [];
            chassis.Add(new ChassisStatus(c.Id, state, c.Ip, c.TunnelTypes, c.LastSeenUp, age, c.ReportInterval, c.Controller,
                [.. ports.OrderBy(p => p.Id, StringComparer.Ordinal).Select(p => PortStatus.Of(nb, p))]));
        }
        // Ports bound to a chassis that has no row (it was deleted) are reported with it, as an unknown chassis.
        foreach (var (id, ports) in portsByChassis.Where(kv => !nb.Chassis.ContainsKey(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            chassis.Add(new ChassisStatus(id, "unknown", "", [], null, null, null, null, [.. ports.Select(p => PortStatus.Of(nb, p))]));

        var publishers = nb.Publishers.Values.OrderBy(p => p.Id, StringComparer.Ordinal)
            .Select(p => new PublisherStatus(p.Id, p.Uri, p.LastActivityTimestamp, Math.Max(0, nowSeconds - p.LastActivityTimestamp))).ToList();
        var unbound = nb.Ports.Values.Where(p => p.Chassis is not { Length: > 0 }).OrderBy(p => p.Id, StringComparer.Ordinal)
            .Select(p => PortStatus.Of(nb, p)).ToList();
        return new ClusterStatus(chassis, publishers, unbound, RouterGatewayStatus.Of(nb, chassis));
    }

    /// <summary>The readable report: three tables.</summary>
    public string Render()
    {
        var chassis = new TextTable("CHASSIS", "STATE", "LAST SEEN", "IP", "TUNNELS", "NB", "OVSDB", "OPENFLOW", "PUB/SUB", "PORTS");
        foreach (var c in Chassis)
        {
            var r = c.Controller;
            chassis.Add(c.Id, c.State, Ago(c.AgeSeconds), c.Ip, string.Join(",", c.TunnelTypes),
                Nb(c),
                r is null ? null : Connected(r.OvsdbConnected),
                r is null ? null : Connected(r.OpenflowConnected),
                r is null ? null : !r.PubSubEnabled ? "off" : $"{r.Publishers.Count} publisher{(r.Publishers.Count == 1 ? "" : "s")}",
                $"{c.Ports.Count(p => p.Status == PortStatuses.Active)}/{c.Ports.Count} active");
        }
        var publishers = new TextTable("PUBLISHER", "URI", "LAST ACTIVITY");
        foreach (var p in Publishers) publishers.Add(p.Id, p.Uri, Ago(p.AgeSeconds));
        var ports = new TextTable("CHASSIS", "PORT", "NETWORK", "MAC", "IPS", "OWNER", "STATUS");
        foreach (var c in Chassis)
            foreach (var p in c.Ports)
                ports.Add(c.Id, p.Id, p.Network, p.Mac, string.Join(",", p.Ips), NullIfEmpty(p.DeviceOwner), c.State == "up" ? p.Status : $"{p.Status} (chassis {c.State})");
        foreach (var p in UnboundPorts) ports.Add("(unbound)", p.Id, p.Network, p.Mac, string.Join(",", p.Ips), NullIfEmpty(p.DeviceOwner), WithReason(p));
        var routers = new TextTable("ROUTER", "SNAT", "GATEWAY CHASSIS", "ACTIVE");
        foreach (var r in Routers)
            routers.Add(r.Name is { Length: > 0 } name ? $"{name} ({r.Id})" : r.Id, r.Snat ? "on" : "off",
                r.GatewayChassis.Count == 0 ? null : string.Join(",", r.GatewayChassis), r.Reason is null ? r.Active : $"none: {r.Reason}");
        var tables = new List<string> { chassis.ToString(), publishers.ToString(), ports.ToString() };
        if (Routers.Count > 0) tables.Add(routers.ToString());
        return string.Join("\n\n", tables);
    }

    /// <summary>The port's status, with why a chassis it is plugged into cannot serve it (that chassis' report).</summary>
    private string WithReason(PortStatus p)
    {
        foreach (var c in Chassis)
        {
            if (c.Controller?.PortsDown.GetValueOrDefault(p.Id) is { } reason) return $"{p.Status} on {c.Id}: {reason}";
        }
        return p.Status;
    }

    /// <summary>A fresh heartbeat proves NB reachable; an error since the start is shown with its age.</summary>
    private static string? Nb(ChassisStatus c)
    {
        if (c.State != "up") return c.State == "down" ? "no heartbeat" : null;
        if (c.Controller is { LastNbErrorAt: { } at } && c.LastSeenUp is { } seen)
            return $"reachable (error {Ago(Math.Max(0, seen - at) + (c.AgeSeconds ?? 0))})";
        return "reachable";
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static string Connected(bool ok) => ok ? "connected" : "DISCONNECTED";

    public static string Ago(double? seconds) => seconds switch
    {
        null => "never",
        < 120 => ((int)Math.Round(seconds.Value)).ToString(CultureInfo.InvariantCulture) + "s ago",
        < 7200 => ((int)(seconds.Value / 60)).ToString(CultureInfo.InvariantCulture) + "m ago",
        _ => ((int)(seconds.Value / 3600)).ToString(CultureInfo.InvariantCulture) + "h ago",
    };
}

public sealed record ChassisStatus(
    string Id, string State, string Ip, IReadOnlyList<string> TunnelTypes, double? LastSeenUp, double? AgeSeconds,
    double? ReportInterval, ControllerReport? Controller, IReadOnlyList<PortStatus> Ports);

public sealed record PublisherStatus(string Id, string Uri, double LastActivityTimestamp, double AgeSeconds);

public sealed record PortStatus(string Id, string? Name, string Network, string? Mac, IReadOnlyList<string> Ips, string DeviceOwner, string Status, bool Enabled)
{
    public static PortStatus Of(NbSnapshot nb, LogicalPort p) => new(
        p.Id, p.Name, nb.Networks.TryGetValue(p.Lswitch, out var n) && !string.IsNullOrEmpty(n.Name) ? n.Name! : p.Lswitch,
        p.Macs.FirstOrDefault(), [.. p.Ips.Select(i => i.IpAddress)], p.DeviceOwner, p.Status, p.Enabled);
}
