using System.Diagnostics.CodeAnalysis;

namespace Dragonflow.Model;

/// <summary>The registry of NB tables: table name &lt;-&gt; CLR type (DESIGN.md §4).</summary>
public static class NbTables
{
    public static readonly NbTable<LogicalSwitch> Lswitch = new("lswitch", NbJsonContext.Default.LogicalSwitch);
    public static readonly NbTable<LogicalSubnet> Lsubnet = new("lsubnet", NbJsonContext.Default.LogicalSubnet);
    public static readonly NbTable<LogicalPort> Lport = new("lport", NbJsonContext.Default.LogicalPort);
    public static readonly NbTable<LogicalRouter> Lrouter = new("lrouter", NbJsonContext.Default.LogicalRouter);
    public static readonly NbTable<FloatingIp> FloatingIp = new("floatingip", NbJsonContext.Default.FloatingIp);
    public static readonly NbTable<SecurityGroup> Lsecgroup = new("lsecgroup", NbJsonContext.Default.SecurityGroup);
    public static readonly NbTable<Chassis> Chassis = new("chassis", NbJsonContext.Default.Chassis);
    public static readonly NbTable<Publisher> Publisher = new("publisher", NbJsonContext.Default.Publisher);
    public static readonly NbTable<UniqueKeyCounter> UniqueKey = new("unique_key", NbJsonContext.Default.UniqueKeyCounter);
    public static readonly NbTable<IpamClaim> IpClaim = new("ipam_ip", NbJsonContext.Default.IpamClaim);
    public static readonly NbTable<IpamClaim> MacClaim = new("ipam_mac", NbJsonContext.Default.IpamClaim);
    public static readonly NbTable<IpamClaim> SegmentClaim = new("ipam_segment", NbJsonContext.Default.IpamClaim);
    public static readonly NbTable<IpamClaim> NetworkPortClaim = new("ipam_netport", NbJsonContext.Default.IpamClaim);
    /// <summary>The API server's index of ports by device_id: one row per port, the device id as its topic.</summary>
    public static readonly NbTable<IpamClaim> PortDeviceIndex = new("index_port_device", NbJsonContext.Default.IpamClaim);

    /// <summary>Every table, in a stable order (the order of the <c>db tables</c> verb).</summary>
    public static IReadOnlyList<NbTable> All { get; } =
        [Lswitch, Lsubnet, Lport, Lrouter, FloatingIp, Lsecgroup, Chassis, Publisher, UniqueKey,
         IpClaim, MacClaim, SegmentClaim, NetworkPortClaim, PortDeviceIndex];

    private static readonly Dictionary<string, NbTable> ByName = All.ToDictionary(t => t.Name, StringComparer.Ordinal);
    // The claim tables share one type; Of<IpamClaim>() names the first of them.
    private static readonly Dictionary<Type, NbTable> ByType = All.DistinctBy(t => t.Type).ToDictionary(t => t.Type);

    public static bool TryGet(string name, [NotNullWhen(true)] out NbTable? table) => ByName.TryGetValue(name, out table);

    public static NbTable<T> Of<T>() where T : NbObject, new() =>
        ByType.TryGetValue(typeof(T), out var t)
            ? (NbTable<T>)t
            : throw new ArgumentException($"{typeof(T).Name} is not an NB table type");
}
