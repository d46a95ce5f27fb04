namespace Dragonflow.Model;

/// <summary>
/// A Neutron RBAC policy (table <c>rbac_policy</c>): the project in <see cref="NbObject.Topic"/>
/// grants <see cref="TargetTenant"/> (a project id, or <see cref="RbacPolicy.Everyone"/>) an
/// <see cref="Action"/> on one object. Only the API server reads these: sharing decides who may
/// see and use a network, not where its packets go.
/// </summary>
public sealed class RbacPolicy : NbObject
{
    /// <summary>target_tenant of a policy that applies to every project.</summary>
    public const string Everyone = "*";

    public const string NetworkType = "network";

    /// <summary>The network may be seen and used (ports, router interfaces) by the target.</summary>
    public const string AccessAsShared = "access_as_shared";

    /// <summary>The network is an external network for the target (router gateways, floating IPs).</summary>
    public const string AccessAsExternal = "access_as_external";

    public string ObjectType { get; set; } = NetworkType;

    public string ObjectId { get; set; } = "";

    public string Action { get; set; } = "";

    public string TargetTenant { get; set; } = "";
}
