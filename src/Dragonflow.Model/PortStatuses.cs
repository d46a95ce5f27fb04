namespace Dragonflow.Model;

/// <summary>
/// Neutron's status values for ports, which networks, routers and floating IPs share: ACTIVE
/// once bound and wired (or, for a router port, at once), DOWN before that.
/// </summary>
public static class PortStatuses
{
    public const string Active = "ACTIVE";
    public const string Down = "DOWN";
}
