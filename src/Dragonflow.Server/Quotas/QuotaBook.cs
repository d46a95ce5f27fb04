using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Quotas;

/// <summary>
/// Neutron's quotas: each project's limit per resource (an admin's own limit for it, else the
/// configured default; -1 unlimited), what it uses, and the check before a create.
/// The check counts, then the create writes: two requests of one project racing past the last
/// free unit may both pass, so a limit can be exceeded by the number of creates in flight at
/// once for that project (as with Neutron without reservations); it is never exceeded by a
/// request alone, bulk ones included.
/// </summary>
sealed class QuotaBook(NbApi nb, IReadOnlyDictionary<string, int> defaults)
{
    public const int Unlimited = -1;

    /// <summary>Neutron's highest limit (a database integer).</summary>
    public const int MaxLimit = int.MaxValue;

    /// <summary>The resources with a quota, in Neutron's order of the quota body.</summary>
    public static readonly string[] Resources = [.. Configuration.OptionCatalog.QuotaDefaults.Select(q => q.Resource)];

    public int DefaultOf(string resource) => defaults.GetValueOrDefault(resource, Unlimited);

    public IReadOnlyDictionary<string, int> Defaults() => Resources.ToDictionary(r => r, DefaultOf);

    public async Task<IReadOnlyDictionary<string, int>> LimitsAsync(string project)
    {
        var own = (await nb.TryGetAsync<ProjectQuota>(project))?.Limits;
        return Resources.ToDictionary(r => r, r => own is not null && own.TryGetValue(r, out var limit) ? limit : DefaultOf(r));
    }

    /// <summary>The projects an admin set limits for.</summary>
    public async Task<IReadOnlyList<ProjectQuota>> OwnAsync() => (await nb.ListAsync<ProjectQuota>()).Items;

    /// <summary>How many of <paramref name="resource"/> the project has now.</summary>
    public async Task<int> UsedAsync(string project, string resource) => resource switch
    {
        "network" => await CountAsync<LogicalSwitch>(project),
        "subnet" => await CountAsync<LogicalSubnet>(project),
        "subnetpool" => await CountAsync<SubnetPool>(project),
        "rbac_policy" => await CountAsync<RbacPolicy>(project),
        "port" => await CountAsync<LogicalPort>(project),
        "router" => await CountAsync<LogicalRouter>(project),
        "floatingip" => await CountAsync<FloatingIp>(project),
        "security_group" => await CountAsync<SecurityGroup>(project),
        "security_group_rule" => (await nb.ListAsync<SecurityGroup>()).Items.Sum(g => g.Rules.Count(r => r.Topic == project)),
        _ => 0,
    };

    async Task<int> CountAsync<T>(string project) where T : NbObject, new() =>
        (await nb.ListAsync<T>()).Items.Count(i => i.Topic == project);

    /// <summary>
    /// Refuses with Neutron's 409 OverQuota when <paramref name="adding"/> more of the resource
    /// would take a project past its limit. An unlimited resource is not counted at all.
    /// </summary>
    public async Task RequireRoomAsync(string resource, IEnumerable<string> projects)
    {
        foreach (var group in projects.GroupBy(p => p))
        {
            var limit = (await LimitsAsync(group.Key))[resource];
            if (limit == Unlimited)
                continue;
            if (await UsedAsync(group.Key, resource) + group.Count() > limit)
                throw OverQuota(resource);
        }
    }

    /// <summary>The project a create body names (project_id, else tenant_id), else the caller's.</summary>
    public static string ProjectOf(System.Text.Json.Nodes.JsonObject body, string callerProject) =>
        Text(body["project_id"]) ?? Text(body["tenant_id"]) ?? callerProject;

    static string? Text(System.Text.Json.Nodes.JsonNode? node) =>
        node is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static NeutronException OverQuota(string resource) =>
        NeutronErrors.Conflict("OverQuota", $"Quota exceeded for resources: ['{resource}'].");
}
