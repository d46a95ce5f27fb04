using Dragonflow.Model;
using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Api;

/// <summary>
/// Neutron's default policy reduced to what this server needs: a project sees and changes what it
/// owns, admins everything; shared and external networks (and their subnets) are seen by all.
/// What a caller cannot see does not exist for it (404); what it sees but does not own it cannot
/// change (403).
/// </summary>
static class Access
{
    public static bool IsPublic(LogicalSwitch net) => net.Shared || net.RouterExternal;

    public static async Task<bool> SeesAsync(CorePlugin plugin, Caller caller, NeutronResource item)
    {
        if (caller.Owns(item.Topic))
            return true;
        return item switch
        {
            LogicalSwitch net => IsPublic(net),
            LogicalSubnet subnet => await plugin.Nb.TryGetAsync<LogicalSwitch>(subnet.Lswitch) is { } net && IsPublic(net),
            _ => false,
        };
    }

    /// <summary>The resource if the caller sees it, else Neutron's NotFound.</summary>
    public static async Task<T> FindAsync<T>(CorePlugin plugin, Caller caller, string id, string noun) where T : NeutronResource, new()
    {
        var item = await plugin.Nb.TryGetAsync<T>(id);
        if (item is null || !await SeesAsync(plugin, caller, item))
            throw NeutronErrors.NotFound(noun, id);
        return item;
    }

    /// <summary>Refuses a change of a visible resource the caller does not own.</summary>
    public static void RequireOwner(Caller caller, NeutronResource item, string action)
    {
        if (!caller.Owns(item.Topic))
            throw Forbidden(action);
    }

    /// <summary>Neutron lets only the network's owner (or anyone, on a shared network) add subnets or ports to it.</summary>
    public static void RequireNetworkUse(Caller caller, LogicalSwitch net, string resource, bool sharedAllows)
    {
        if (!caller.Owns(net.Topic) && !(sharedAllows && net.Shared))
            throw new NeutronException(403, "HTTPForbidden", $"Tenant {caller.ProjectId} not allowed to create {resource} on this network");
    }

    public static NeutronException Forbidden(string action) =>
        new(403, "PolicyNotAuthorized", $"rule:{action} is disallowed by policy");

    /// <summary>A non-admin may not create resources in another project (tenant_id/project_id in the body).</summary>
    public static void RequireOwnProject(Caller caller, string project)
    {
        if (!caller.Owns(project))
            throw new NeutronException(403, "HTTPForbidden",
                "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges");
    }
}
