using Dragonflow.Model;
using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Api;

/// <summary>
/// Neutron's default policy (the new defaults: admin, project member, project reader) for what a
/// caller may see. What a caller cannot see does not exist for it (404); what it sees but may not
/// change is refused (403, <see cref="Forbidden"/>). The per-resource write rules live with each
/// resource's endpoints; docs/api-policy.md lists them.
/// </summary>
static class Access
{
    public static async Task<bool> SeesAsync(CorePlugin plugin, Caller caller, NeutronResource item)
    {
        if (caller.Reads(item.Topic))
            return true;
        switch (item)
        {
            case LogicalSwitch net:
                return (await NetworkGrants.LoadAsync(plugin.Nb)).Sees(caller, net);
            case LogicalSubnet subnet:
                // get_subnet: or the subnet's network is shared with the caller.
                return await plugin.Nb.TryGetAsync<LogicalSwitch>(subnet.Lswitch) is { } parent
                    && (await NetworkGrants.LoadAsync(plugin.Nb)).SharedWith(parent, caller.ProjectId);
            case LogicalPort port:
                // get_port: or the caller's project owns the port's network.
                return (await plugin.Nb.TryGetAsync<LogicalSwitch>(port.Lswitch))?.Topic is { } owner && caller.InProject(owner);
            case SubnetPool pool:
                return pool.Shared; // get_subnetpool: or the pool is shared
            case AddressScope scope:
                return scope.Shared;
            default:
                return false;
        }
    }

    /// <summary>The resource if the caller sees it, else Neutron's NotFound.</summary>
    public static async Task<T> FindAsync<T>(CorePlugin plugin, Caller caller, string id, string noun) where T : NeutronResource, new()
    {
        var item = await plugin.Nb.TryGetAsync<T>(id);
        if (item is null || !await SeesAsync(plugin, caller, item))
            throw NeutronErrors.NotFound(noun, id);
        return item;
    }

    /// <summary>
    /// Refuses with Neutron's PolicyNotAuthorized unless the rule passed: the action's rule
    /// (update_network) or one of its attribute rules (update_network + shared,
    /// create_port + fixed_ips + ip_address).
    /// </summary>
    public static void Require(bool allowed, string action, params string[] attribute)
    {
        if (!allowed)
            throw Forbidden(action, attribute);
    }

    /// <summary>A rule that needs the admin role, e.g. create_network:shared.</summary>
    public static void RequireAdmin(Caller caller, string action, params string[] attribute) => Require(caller.IsAdmin, action, attribute);

    /// <summary>
    /// Neutron's 403. Its message names the check that failed as Neutron builds it: the action's
    /// rule, and with an attribute the action's rule and the attribute's, e.g.
    /// "(rule:create_network and rule:create_network:shared) is disallowed by policy".
    /// </summary>
    public static NeutronException Forbidden(string action, params string[] attribute) =>
        new(403, "PolicyNotAuthorized", $"{Check(action, attribute)} is disallowed by policy");

    static string Check(string rule, ReadOnlySpan<string> attribute) =>
        attribute.IsEmpty ? $"rule:{rule}" : $"(rule:{rule} and {Check($"{rule}:{attribute[0]}", attribute[1..])})";

    /// <summary>A non-admin may not create resources in another project (tenant_id/project_id in the body): Neutron's 400.</summary>
    public static void RequireOwnProject(Caller caller, string project)
    {
        if (!caller.IsAdmin && !caller.InProject(project))
            throw NeutronErrors.BadRequest(
                "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges");
    }
}
