using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Ipam;

/// <summary>
/// A subnet's CIDR taken from a subnet pool: the CIDR joins the pool's allocations in one
/// compare-and-swap on the pool, so concurrent creates (in this or another server) never get
/// overlapping CIDRs; a create that loses the race reads the pool again.
/// </summary>
sealed class SubnetPoolClaims(NbApi nb)
{
    const int Attempts = 50;

    /// <summary>
    /// Claims <paramref name="wanted"/> (a CIDR the caller named) or the first free CIDR of
    /// <paramref name="prefixlen"/> (the pool's default when null) for the subnet.
    /// </summary>
    public async Task<SubnetCidr> ClaimAsync(string poolId, string subnetId, string? project, SubnetCidr? wanted, int? prefixlen)
    {
        for (var attempt = 0; ; attempt++)
        {
            var pool = await nb.TryGetAsync<SubnetPool>(poolId) ?? throw NeutronErrors.NotFound("SubnetPool", poolId);
            var cidr = Choose(pool, project, wanted, prefixlen);
            pool.Allocations.Add(new PoolAllocation(subnetId, cidr.ToString(), project));
            try
            {
                await nb.UpdateAsync(pool);
                return cidr;
            }
            catch (NbVersionConflictException) when (attempt < Attempts)
            {
                // Another claim or an update of the pool got in first: choose again on what it wrote.
            }
        }
    }

    /// <summary>Gives the subnet's CIDR back to its pool (nothing if the pool or the claim is gone).</summary>
    public async Task ReleaseAsync(string poolId, string subnetId)
    {
        try
        {
            await nb.UpdateAsync<SubnetPool>(poolId, p => p.Allocations.RemoveAll(a => a.SubnetId == subnetId));
        }
        catch (NbKeyNotFoundException)
        {
        }
    }

    static SubnetCidr Choose(SubnetPool pool, string? project, SubnetCidr? wanted, int? prefixlen)
    {
        var length = wanted?.Network.PrefixLength ?? prefixlen ?? pool.DefaultPrefixlen;
        if (length < pool.MinPrefixlen)
            throw new NeutronException(400, "MinPrefixSubnetAllocationError",
                $"Unable to allocate subnet with prefix length {length}, minimum allowed prefix is {pool.MinPrefixlen}.");
        if (length > pool.MaxPrefixlen)
            throw new NeutronException(400, "MaxPrefixSubnetAllocationError",
                $"Unable to allocate subnet with prefix length {length}, maximum allowed prefix is {pool.MaxPrefixlen}.");
        var prefixes = PoolPrefixes.Of(pool.Prefixes);
        var taken = PoolPrefixes.Of(pool.Allocations.Select(a => a.Cidr));
        CheckQuota(pool, project, length);
        if (wanted is not null)
        {
            if (!PoolPrefixes.Holds(prefixes, wanted) || taken.Any(t => t.Overlaps(wanted)))
                throw AllocationError("Cannot allocate requested subnet from the available set of prefixes");
            return wanted;
        }
        return PoolPrefixes.FirstFree(prefixes, taken, length)
            ?? throw AllocationError($"Insufficient prefix space to allocate subnet size /{length}");
    }

    /// <summary>
    /// default_quota counts per project in Neutron's units: IPv4 addresses, IPv6 /64 networks
    /// (a longer IPv6 prefix is a fraction of one); 0 or none is no limit (SubnetPoolQuotaExceeded).
    /// </summary>
    static void CheckQuota(SubnetPool pool, string? project, int length)
    {
        if (pool.DefaultQuota is not ({ } quota and > 0))
            return;
        var unit = pool.IpVersion == 4 ? 32 : 64;
        double Units(int len) => Math.Pow(2, unit - len);
        var used = PoolPrefixes.Of(pool.Allocations.Where(a => a.Project == project).Select(a => a.Cidr)).Sum(c => Units(c.Network.PrefixLength));
        if (used + Units(length) > quota)
            throw new NeutronException(409, "SubnetPoolQuotaExceeded", "Per-tenant subnet pool prefix quota exceeded.");
    }

    /// <summary>
    /// Neutron's SubnetAllocationError. Neutron answers it with 500; here it is the 409 of a
    /// request that conflicts with the pool's state, as no bad input may earn a 5xx.
    /// </summary>
    static NeutronException AllocationError(string reason) =>
        new(409, "SubnetAllocationError", $"Failed to allocate subnet: {reason}.");
}
