using System.Collections.Concurrent;
using System.Net;
using Dragonflow.Model;
using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Ipam;

/// <summary>
/// Hands out addresses from a subnet's allocation pools and claims explicit ones. The claim in
/// the NB DB (<see cref="Reservations"/>) is what makes an address taken; the per-subnet memory
/// here (addresses seen taken, where the last search stopped) only saves round trips, so a
/// create costs a claim or two instead of a scan of the subnet's ports.
/// </summary>
sealed class AddressAllocator(Reservations reservations)
{
    sealed class SubnetState
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public HashSet<UInt128>? Taken;
        public UInt128 Cursor;
    }

    readonly ConcurrentDictionary<string, SubnetState> _subnets = new();

    /// <summary>Claims <paramref name="ip"/>; 409 IpAddressAlreadyAllocated if someone holds it.</summary>
    public async Task ClaimAsync(LogicalSubnet subnet, IPAddress ip, string owner)
    {
        if (!await reservations.TryClaimAsync(Reservations.IpTable, Reservations.IpKey(subnet.Id, ip.ToString()), subnet.Id, owner))
            throw NeutronErrors.Conflict("IpAddressAlreadyAllocated",
                $"IP address {ip} already allocated in subnet {subnet.Id}");
        if (_subnets.TryGetValue(subnet.Id, out var state))
            await WithGate(state, () => state.Taken?.Add(IpMath.ToNumber(ip)));
    }

    /// <summary>The next free pool address, claimed; 409 IpAddressGenerationFailure when the pools are full.</summary>
    public async Task<IPAddress> AllocateAsync(LogicalSubnet subnet, string owner)
    {
        var pools = subnet.AllocationPools.Select(p => IpRange.Of(IPAddress.Parse(p.Start), IPAddress.Parse(p.End))).ToList();
        var state = _subnets.GetOrAdd(subnet.Id, _ => new SubnetState());
        await state.Gate.WaitAsync();
        try
        {
            for (var pass = 0; pass < 2; pass++)
            {
                if (state.Taken is null || pass == 1)
                    state.Taken = await LoadTakenAsync(subnet.Id);
                foreach (var candidate in Candidates(pools, state.Cursor))
                {
                    if (state.Taken.Contains(candidate))
                        continue;
                    var ip = IpMath.ToAddress(candidate, pools[0].Family);
                    if (await reservations.TryClaimAsync(Reservations.IpTable, Reservations.IpKey(subnet.Id, ip.ToString()), subnet.Id, owner))
                    {
                        state.Taken.Add(candidate);
                        state.Cursor = candidate + 1;
                        return ip;
                    }
                    state.Taken.Add(candidate); // another process holds it
                }
            }
        }
        finally
        {
            state.Gate.Release();
        }
        throw NeutronErrors.Conflict("IpAddressGenerationFailure", $"No more IP addresses available on network {subnet.Lswitch}.");
    }

    public async Task ReleaseAsync(string subnetId, string ip, string owner)
    {
        await reservations.ReleaseAsync(Reservations.IpTable, Reservations.IpKey(subnetId, ip), owner);
        if (_subnets.TryGetValue(subnetId, out var state) && IPAddress.TryParse(ip, out var address))
            await WithGate(state, () => state.Taken?.Remove(IpMath.ToNumber(address)));
    }

    static async Task WithGate(SubnetState state, Action action)
    {
        await state.Gate.WaitAsync();
        try
        {
            action();
        }
        finally
        {
            state.Gate.Release();
        }
    }

    public void Forget(string subnetId) => _subnets.TryRemove(subnetId, out _);

    async Task<HashSet<UInt128>> LoadTakenAsync(string subnetId)
    {
        var taken = new HashSet<UInt128>();
        var prefix = subnetId + "_";
        foreach (var id in await reservations.ClaimedAsync(Reservations.IpTable, subnetId))
            if (id.StartsWith(prefix, StringComparison.Ordinal) && IPAddress.TryParse(id[prefix.Length..], out var ip))
                taken.Add(IpMath.ToNumber(ip));
        return taken;
    }

    /// <summary>Every pool address once, starting at the cursor and wrapping around.</summary>
    static IEnumerable<UInt128> Candidates(List<IpRange> pools, UInt128 cursor)
    {
        foreach (var pool in pools)
            for (var n = UInt128.Max(pool.First, cursor); n <= pool.Last && n >= pool.First; n++)
                yield return n;
        foreach (var pool in pools)
            for (var n = pool.First; n <= pool.Last && n < cursor; n++)
                yield return n;
    }
}
