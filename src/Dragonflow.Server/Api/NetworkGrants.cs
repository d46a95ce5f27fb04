using Dragonflow.Model;
using Dragonflow.NorthDb;

namespace Dragonflow.Server.Api;

/// <summary>
/// The RBAC policies on networks, read once for a request: which projects a network is shared
/// with (access_as_shared) and which it is external for (access_as_external). The network's own
/// <c>shared</c> flag is the <c>*</c> sharing policy, so a network shared before policies were
/// kept stays shared; likewise an external network without any external policy is external for all.
/// </summary>
sealed class NetworkGrants
{
    readonly ILookup<string, RbacPolicy> _byNetwork;

    NetworkGrants(IEnumerable<RbacPolicy> policies) =>
        _byNetwork = policies.Where(p => p.ObjectType == RbacPolicy.NetworkType).ToLookup(p => p.ObjectId, StringComparer.Ordinal);

    public static async Task<NetworkGrants> LoadAsync(NbApi nb) => new((await nb.ListAsync<RbacPolicy>()).Items);

    public IEnumerable<RbacPolicy> Of(string networkId) => _byNetwork[networkId];

    static bool Targets(RbacPolicy policy, string project) =>
        policy.TargetTenant == project || policy.TargetTenant == RbacPolicy.Everyone;

    /// <summary>Neutron's per-caller <c>shared</c>: the network is shared with everyone or with this project.</summary>
    public bool SharedWith(LogicalSwitch net, string project) => SharedWith(net.Id, net.Shared, project);

    public bool SharedWith(string networkId, bool sharedWithAll, string project) =>
        sharedWithAll || Of(networkId).Any(p => p.Action == RbacPolicy.AccessAsShared && Targets(p, project));

    public bool ExternalFor(LogicalSwitch net, string project) => ExternalFor(net.Id, net.RouterExternal, project);

    public bool ExternalFor(string networkId, bool external, string project)
    {
        if (!external)
            return false;
        var policies = Of(networkId).Where(p => p.Action == RbacPolicy.AccessAsExternal).ToList();
        return policies.Count == 0 || policies.Any(p => Targets(p, project));
    }

    /// <summary>get_network: admin, the project's reader, or a network shared with or external for the project.</summary>
    public bool Sees(Caller caller, LogicalSwitch net) =>
        caller.Reads(net.Topic) || SharedWith(net, caller.ProjectId) || ExternalFor(net, caller.ProjectId);
}
