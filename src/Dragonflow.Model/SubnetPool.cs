namespace Dragonflow.Model;

/// <summary>
/// A Neutron subnet pool (table <c>subnetpool</c>): prefixes subnets get their CIDR from. The
/// CIDRs handed out live on the pool itself, so that a claim is one compare-and-swap on the pool
/// and two servers never hand out overlapping CIDRs. Read by the API server only.
/// </summary>
public sealed class SubnetPool : NeutronResource
{
    public int IpVersion { get; set; } = 4;

    /// <summary>The pool's prefixes (CIDRs), none inside another.</summary>
    public List<string> Prefixes { get; set; } = [];

    public int DefaultPrefixlen { get; set; }

    public int MinPrefixlen { get; set; }

    public int MaxPrefixlen { get; set; }

    /// <summary>How many addresses one project may take from the pool; null is no limit.</summary>
    public int? DefaultQuota { get; set; }

    public bool Shared { get; set; }

    /// <summary>The pool subnets of its IP version take when they ask for the default pool.</summary>
    public bool IsDefault { get; set; }

    public string? AddressScopeId { get; set; }

    /// <summary>The CIDRs subnets hold from the pool.</summary>
    public List<PoolAllocation> Allocations { get; set; } = [];
}

/// <summary>One CIDR of a subnet pool held by a subnet (and the subnet's project, for the quota).</summary>
public sealed record PoolAllocation(string SubnetId, string Cidr, string? Project);
