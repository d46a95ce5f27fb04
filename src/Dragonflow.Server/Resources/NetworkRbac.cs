using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Resources;

/// <summary>
/// Writes and checks of the RBAC policies on networks, shared by /v2.0/rbac-policies and the
/// network's own shared and router:external attributes (which Neutron keeps as policies for
/// everyone). A policy may not be taken back while the project it served still depends on it.
/// </summary>
static class NetworkRbac
{
    public static async Task<RbacPolicy> AddAsync(CorePlugin plugin, string project, string networkId, string action, string target)
    {
        var grants = await NetworkGrants.LoadAsync(plugin.Nb);
        if (grants.Of(networkId).Any(p => p.Action == action && p.TargetTenant == target))
            throw Duplicate();
        return await plugin.Nb.CreateAsync(new RbacPolicy
        {
            Id = Guid.NewGuid().ToString(), Topic = project, ObjectType = RbacPolicy.NetworkType, ObjectId = networkId,
            Action = action, TargetTenant = target,
        });
    }

    public static NeutronException Duplicate() =>
        NeutronErrors.Conflict("DuplicateRbacPolicy", "An RBAC policy already exists with those values.");

    public static async Task RemoveAsync(CorePlugin plugin, IEnumerable<RbacPolicy> policies)
    {
        foreach (var policy in policies.ToList())
        {
            try
            {
                await plugin.Nb.DeleteAsync<RbacPolicy>(policy.Id);
            }
            catch (NbKeyNotFoundException)
            {
                // Taken back by another request meanwhile.
            }
        }
    }

    /// <summary>Deletes every policy on a network that is gone (or whose create failed), now or once the NB database is back.</summary>
    public static Task UndoAllOfAsync(CorePlugin plugin, string networkId) => plugin.Reservations.Undo.RunAsync(async () =>
        await RemoveAsync(plugin, (await NetworkGrants.LoadAsync(plugin.Nb)).Of(networkId)));

    static NeutronException InUse(string networkId, string details) =>
        NeutronErrors.Conflict("RbacPolicyInUse",
            $"RBAC policy on object {networkId} cannot be removed because other objects depend on it.\nDetails: {details}");

    static string InvalidSharedSetting(string network) =>
        $"Unable to reconfigure sharing settings for network {network}. Multiple tenants are using it.";

    static async Task<List<LogicalPort>> PortsOnAsync(CorePlugin plugin, string networkId) =>
        (await plugin.Nb.ListAsync<LogicalPort>()).Items.Where(p => p.Lswitch == networkId).ToList();

    /// <summary>
    /// Refuses to take <paramref name="policy"/> away (delete, or a new target) while the project it
    /// serves still has ports on the network (access_as_shared) or routers with their gateway
    /// there (access_as_external) that no other policy covers.
    /// </summary>
    public static async Task CheckRemovableAsync(CorePlugin plugin, RbacPolicy policy, LogicalSwitch net, NetworkGrants grants, string? newTarget = null)
    {
        if (policy.TargetTenant == net.Topic)
            return; // a network shared with its own project serves nobody else
        var others = grants.Of(net.Id).Where(p => p.Action == policy.Action && p.Id != policy.Id).Select(p => p.TargetTenant).ToHashSet();
        if (newTarget is not null)
            others.Add(newTarget);
        if (policy.Action == RbacPolicy.AccessAsShared)
        {
            if (others.Contains(RbacPolicy.Everyone))
                return;
            others.Add(net.Topic ?? "");
            var ports = await PortsOnAsync(plugin, net.Id);
            var dependent = policy.TargetTenant == RbacPolicy.Everyone
                ? ports.Any(p => !others.Contains(p.Topic ?? ""))
                : ports.Any(p => p.Topic == policy.TargetTenant);
            if (dependent)
                throw InUse(net.Id, InvalidSharedSetting(net.Id));
        }
        else
        {
            if (policy.TargetTenant == RbacPolicy.Everyone && newTarget != RbacPolicy.Everyone && net.IsDefault)
                throw InUse(net.Id, "Default external networks must be shared to everyone.");
            if (others.Contains(RbacPolicy.Everyone))
                return;
            var routers = (await plugin.Nb.ListAsync<LogicalRouter>()).Items.Where(r => r.ExternalGatewayInfo?.NetworkId == net.Id);
            var dependent = policy.TargetTenant == RbacPolicy.Everyone
                ? routers.Any(r => !others.Contains(r.Topic ?? ""))
                : routers.Any(r => r.Topic == policy.TargetTenant);
            if (dependent)
                throw InUse(net.Id, "There are routers attached to this network that depend on this policy for access.");
        }
    }

    /// <summary>shared → false: refused while projects other than the owner, not named by a policy of their own, use the network.</summary>
    public static async Task CheckUnsharingAsync(CorePlugin plugin, LogicalSwitch net, NetworkGrants grants)
    {
        var users = (await PortsOnAsync(plugin, net.Id))
            .Where(p => !p.DeviceOwner.StartsWith(DeviceOwners.NetworkPrefix, StringComparison.Ordinal)).Select(p => p.Topic ?? "").ToHashSet();
        foreach (var id in net.Subnets)
            if (await plugin.Nb.TryGetAsync<LogicalSubnet>(id) is { } subnet)
                users.Add(subnet.Topic ?? "");
        var allowed = grants.Of(net.Id).Where(p => p.Action == RbacPolicy.AccessAsShared && p.TargetTenant != RbacPolicy.Everyone)
            .Select(p => p.TargetTenant).Append(net.Topic ?? "").ToHashSet();
        if (users.Any(u => !allowed.Contains(u)))
            throw NeutronErrors.Conflict("InvalidSharedSetting", InvalidSharedSetting(net.Name is { Length: > 0 } name ? name : net.Id));
    }

    /// <summary>router:external → false: refused while routers have their gateway on the network.</summary>
    public static async Task CheckNoGatewaysAsync(CorePlugin plugin, LogicalSwitch net)
    {
        if ((await PortsOnAsync(plugin, net.Id)).Any(p => p.DeviceOwner == DeviceOwners.RouterGateway))
            throw NeutronErrors.Conflict("ExternalNetworkInUse",
                $"External network {net.Id} cannot be updated to be made non-external, since it has existing gateway ports.");
    }
}
