using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;
using Dragonflow.Server.Ipam;

namespace Dragonflow.Server.Resources;

/// <summary>
/// /v2.0/subnetpools (extension subnet_allocation): prefixes subnets take their CIDR from
/// (<see cref="SubnetPoolClaims"/>). Prefixes only grow; shared and is_default are the admin's.
/// </summary>
sealed class SubnetPoolEndpoints(CorePlugin plugin) : ResourceEndpoints<SubnetPool>(plugin)
{
    static readonly string[] Attributes =
    [
        .. CommonAttributes, "prefixes", "default_prefixlen", "min_prefixlen", "max_prefixlen", "default_quota",
        "shared", "is_default", "address_scope_id",
    ];

    public override string Collection => "subnetpools";
    public override string Member => "subnetpool";
    protected override string? QuotaResource => "subnetpool";
    protected override string Noun => "SubnetPool";

    public override JsonObject View(SubnetPool item) => PoolViews.SubnetPool(item);

    /// <summary>get_subnetpool: the project's reader, or the pool is shared.</summary>
    protected override Task<Func<JsonObject, bool>> ListFilterAsync(Caller caller) =>
        Task.FromResult<Func<JsonObject, bool>>(tree => caller.Reads((string?)tree["project_id"]) || (bool?)tree["shared"] == true);

    protected override async Task<SubnetPool> CreateAsync(Caller caller, Input body)
    {
        body.Only(Attributes);
        var pool = new SubnetPool();
        FillCommon(pool, caller, body);
        var prefixes = PoolPrefixes.Parse(body.StringList("prefixes")
            ?? throw NeutronErrors.BadRequest("Failed to parse request. Required attribute 'prefixes' not specified"));
        pool.IpVersion = prefixes[0].IpVersion;
        pool.Prefixes = prefixes.Select(p => p.ToString()).ToList();
        pool.Shared = body.Bool("shared") ?? false;
        pool.IsDefault = body.Bool("is_default") ?? false;
        Access.Require(caller.IsAdmin || !pool.Shared, Rule("create"), "shared");
        Access.Require(caller.IsAdmin || !pool.IsDefault, Rule("create"), "is_default");
        var max = PoolPrefixes.MaxBits(pool.IpVersion);
        pool.MinPrefixlen = body.Int("min_prefixlen", 0, max) ?? PoolPrefixes.DefaultMinPrefixlen(pool.IpVersion);
        pool.MaxPrefixlen = body.Int("max_prefixlen", 0, max) ?? max;
        pool.DefaultPrefixlen = body.Int("default_prefixlen", 0, max) ?? pool.MinPrefixlen;
        pool.DefaultQuota = body.Int("default_quota", 0);
        CheckBounds(pool);
        pool.AddressScopeId = await ScopeAsync(caller, body.String("address_scope_id"), pool);
        await CheckDefaultAsync(pool);
        return await Plugin.Nb.CreateAsync(pool);
    }

    protected override async Task<SubnetPool> UpdateAsync(Caller caller, SubnetPool pool, Input body)
    {
        body.Only(Attributes).ReadOnly("shared");
        UpdateCommon(pool, body);
        var prefixesChanged = false;
        if (body.StringList("prefixes") is { } list)
        {
            prefixesChanged = true;
            var grown = PoolPrefixes.Parse(list);
            if (grown[0].IpVersion != pool.IpVersion)
                throw PoolPrefixes.MixedVersions();
            if (!PoolPrefixes.Of(pool.Prefixes).All(old => PoolPrefixes.Holds(grown, old)))
                throw new NeutronException(400, "IllegalSubnetPoolPrefixUpdate",
                    "Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.");
            pool.Prefixes = grown.Select(p => p.ToString()).ToList();
        }
        var max = PoolPrefixes.MaxBits(pool.IpVersion);
        if (body.Int("min_prefixlen", 0, max) is { } min) pool.MinPrefixlen = min;
        if (body.Int("max_prefixlen", 0, max) is { } maxLen) pool.MaxPrefixlen = maxLen;
        if (body.Int("default_prefixlen", 0, max) is { } defaultLen) pool.DefaultPrefixlen = defaultLen;
        if (body.Has("default_quota")) pool.DefaultQuota = body.Int("default_quota", 0);
        CheckBounds(pool);
        if (body.Bool("is_default") is { } isDefault && isDefault != pool.IsDefault)
        {
            Access.Require(caller.IsAdmin, Rule("update"), "is_default");
            pool.IsDefault = isDefault;
        }
        // New prefixes are checked against the pool's scope as a new scope is (owner, unique prefixes).
        if (body.Has("address_scope_id"))
            pool.AddressScopeId = await ScopeAsync(caller, body.String("address_scope_id"), pool);
        else if (prefixesChanged && pool.AddressScopeId is { } scopeId)
            await ScopeAsync(caller, scopeId, pool);
        await CheckDefaultAsync(pool);
        return await Plugin.Nb.UpdateAsync(pool);
    }

    /// <summary>Neutron's order: min ≤ default ≤ max, and no prefix of the pool longer than max.</summary>
    static void CheckBounds(SubnetPool pool)
    {
        if (pool.MinPrefixlen > pool.MaxPrefixlen)
            throw Bounds("min_prefixlen", pool.MinPrefixlen, "max_prefixlen", pool.MaxPrefixlen);
        if (pool.DefaultPrefixlen < pool.MinPrefixlen)
            throw Bounds("default_prefixlen", pool.DefaultPrefixlen, "min_prefixlen", pool.MinPrefixlen);
        if (pool.DefaultPrefixlen > pool.MaxPrefixlen)
            throw Bounds("default_prefixlen", pool.DefaultPrefixlen, "max_prefixlen", pool.MaxPrefixlen);
    }

    static NeutronException Bounds(string type, int length, string baseType, int baseLength) =>
        new(400, "IllegalSubnetPoolPrefixBounds", $"Illegal prefix bounds: {type}={length}, {baseType}={baseLength}.");

    /// <summary>
    /// The address scope of the pool: a UUID, visible to the caller, the caller's own (unless an
    /// admin), of the pool's IP version, no prefix overlapping another pool of it.
    /// </summary>
    async Task<string?> ScopeAsync(Caller caller, string? id, SubnetPool pool)
    {
        if (string.IsNullOrEmpty(id))
            return null;
        if (!Guid.TryParse(id, out _))
            throw NeutronErrors.InvalidInput($"'{id}' is not a valid UUID");
        var scope = await Access.FindAsync<AddressScope>(Plugin, caller, id, "AddressScope");
        if (!caller.IsAdmin && !caller.InProject(scope.Topic))
            throw new NeutronException(400, "IllegalSubnetPoolAssociationToAddressScope",
                $"Illegal subnetpool association: subnetpool {pool.Id} cannot be associated with address scope {id}.");
        if (scope.IpVersion != pool.IpVersion)
            throw new NeutronException(400, "IllegalSubnetPoolIpVersionAssociationToAddressScope",
                $"Illegal subnetpool association: subnetpool {pool.Id} cannot associate with address scope {id} because subnetpool ip_version is not {scope.IpVersion}.");
        var mine = PoolPrefixes.Of(pool.Prefixes);
        foreach (var other in (await Plugin.Nb.ListAsync<SubnetPool>()).Items)
            if (other.Id != pool.Id && other.AddressScopeId == id && PoolPrefixes.Of(other.Prefixes).Any(o => mine.Any(m => m.Overlaps(o))))
                throw NeutronErrors.Conflict("AddressScopePrefixConflict",
                    "Failed to associate address scope: subnetpools within an address scope must have unique prefixes.");
        return id;
    }

    /// <summary>One default pool per IP version.</summary>
    async Task CheckDefaultAsync(SubnetPool pool)
    {
        if (!pool.IsDefault)
            return;
        if ((await Plugin.Nb.ListAsync<SubnetPool>()).Items.Any(p => p.Id != pool.Id && p.IsDefault && p.IpVersion == pool.IpVersion))
            throw NeutronErrors.InvalidInput("A default subnetpool for this IP family has already been set. Only one default may exist per IP family");
    }

    /// <summary>Refused while subnets hold CIDRs of it; the delete is at the version read, so a claim in between wins.</summary>
    protected override async Task DeleteAsync(Caller caller, SubnetPool pool)
    {
        if (pool.Allocations.Count > 0)
            throw InUse(pool.Id);
        try
        {
            await Plugin.Nb.DeleteAsync<SubnetPool>(pool.Id, pool.Version);
        }
        catch (NbVersionConflictException)
        {
            var now = await Plugin.Nb.TryGetAsync<SubnetPool>(pool.Id);
            if (now is null)
                return;
            if (now.Allocations.Count > 0)
                throw InUse(pool.Id);
            await DeleteAsync(caller, now);
        }
    }

    static NeutronException InUse(string id) => NeutronErrors.InUse("SubnetPoolInUse",
        $"Unable to complete operation on subnet pool {id}. Subnet pool has existing allocations.");
}
