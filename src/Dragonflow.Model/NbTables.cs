using System.Diagnostics.CodeAnalysis;

namespace Dragonflow.Model;

/// <summary>
/// The registry of NB tables: table name &lt;-&gt; CLR type. Each row is stored as JSON under
/// <c>/openstack/&lt;table&gt;/&lt;id&gt;</c> (<see cref="NbKey"/>).
/// </summary>
public static class NbTables
{
    /// <summary>The table names as constants, for <c>switch</c> cases; elsewhere use the table's <see cref="NbTable.Name"/>.</summary>
    public static class Names
    {
        public const string Lswitch = "lswitch";
        public const string Lsubnet = "lsubnet";
        public const string Lport = "lport";
        public const string Lrouter = "lrouter";
        public const string FloatingIp = "floatingip";
        public const string Lsecgroup = "lsecgroup";
        public const string Chassis = "chassis";
        public const string Publisher = "publisher";
        public const string UniqueKey = "unique_key";
        public const string IpClaim = "ipam_ip";
        public const string MacClaim = "ipam_mac";
        public const string SegmentClaim = "ipam_segment";
        public const string NetworkPortClaim = "ipam_netport";
        public const string PortDeviceIndex = "index_port_device";
        public const string RbacPolicy = "rbac_policy";
        public const string SubnetPool = "subnetpool";
        public const string AddressScope = "address_scope";
        public const string Quota = "quota";
    }

    public static readonly NbTable<LogicalSwitch> Lswitch = new(Names.Lswitch, NbJsonContext.Default.LogicalSwitch);
    public static readonly NbTable<LogicalSubnet> Lsubnet = new(Names.Lsubnet, NbJsonContext.Default.LogicalSubnet);
    public static readonly NbTable<LogicalPort> Lport = new(Names.Lport, NbJsonContext.Default.LogicalPort);
    public static readonly NbTable<LogicalRouter> Lrouter = new(Names.Lrouter, NbJsonContext.Default.LogicalRouter);
    public static readonly NbTable<FloatingIp> FloatingIp = new(Names.FloatingIp, NbJsonContext.Default.FloatingIp);
    public static readonly NbTable<SecurityGroup> Lsecgroup = new(Names.Lsecgroup, NbJsonContext.Default.SecurityGroup);
    public static readonly NbTable<Chassis> Chassis = new(Names.Chassis, NbJsonContext.Default.Chassis);
    public static readonly NbTable<Publisher> Publisher = new(Names.Publisher, NbJsonContext.Default.Publisher);
    public static readonly NbTable<UniqueKeyCounter> UniqueKey = new(Names.UniqueKey, NbJsonContext.Default.UniqueKeyCounter);
    public static readonly NbTable<IpamClaim> IpClaim = new(Names.IpClaim, NbJsonContext.Default.IpamClaim);
    public static readonly NbTable<IpamClaim> MacClaim = new(Names.MacClaim, NbJsonContext.Default.IpamClaim);
    public static readonly NbTable<IpamClaim> SegmentClaim = new(Names.SegmentClaim, NbJsonContext.Default.IpamClaim);
    public static readonly NbTable<IpamClaim> NetworkPortClaim = new(Names.NetworkPortClaim, NbJsonContext.Default.IpamClaim);
    /// <summary>The API server's index of ports by device_id: one row per port, the device id as its topic.</summary>
    public static readonly NbTable<IpamClaim> PortDeviceIndex = new(Names.PortDeviceIndex, NbJsonContext.Default.IpamClaim);

    /// <summary>Neutron's RBAC policies (network sharing); read by the API server only.</summary>
    public static readonly NbTable<RbacPolicy> RbacPolicy = new(Names.RbacPolicy, NbJsonContext.Default.RbacPolicy);

    /// <summary>Neutron's subnet pools with the CIDRs they handed out; read by the API server only.</summary>
    public static readonly NbTable<SubnetPool> SubnetPool = new(Names.SubnetPool, NbJsonContext.Default.SubnetPool);

    /// <summary>Neutron's address scopes; read by the API server only.</summary>
    public static readonly NbTable<AddressScope> AddressScope = new(Names.AddressScope, NbJsonContext.Default.AddressScope);

    /// <summary>Projects' quota limits set by an admin; read by the API server only.</summary>
    public static readonly NbTable<ProjectQuota> Quota = new(Names.Quota, NbJsonContext.Default.ProjectQuota);

    /// <summary>Every table, in a stable order (the order of the <c>db tables</c> verb).</summary>
    public static IReadOnlyList<NbTable> All { get; } =
        [Lswitch, Lsubnet, Lport, Lrouter, FloatingIp, Lsecgroup, Chassis, Publisher, UniqueKey,
         IpClaim, MacClaim, SegmentClaim, NetworkPortClaim, PortDeviceIndex, RbacPolicy, SubnetPool, AddressScope, Quota];

    private static readonly Dictionary<string, NbTable> ByName = All.ToDictionary(t => t.Name, StringComparer.Ordinal);
    // The claim tables share one type; Of<IpamClaim>() names the first of them.
    private static readonly Dictionary<Type, NbTable> ByType = All.DistinctBy(t => t.Type).ToDictionary(t => t.Type);

    public static bool TryGet(string name, [NotNullWhen(true)] out NbTable? table) => ByName.TryGetValue(name, out table);

    public static NbTable<T> Of<T>() where T : NbObject, new() =>
        ByType.TryGetValue(typeof(T), out var t)
            ? (NbTable<T>)t
            : throw new ArgumentException($"{typeof(T).Name} is not an NB table type");
}
