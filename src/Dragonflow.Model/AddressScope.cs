namespace Dragonflow.Model;

/// <summary>
/// A Neutron address scope (table <c>address_scope</c>): subnet pools of one scope have prefixes
/// that do not overlap. Read by the API server only.
/// </summary>
public sealed class AddressScope : NeutronResource
{
    public int IpVersion { get; set; } = 4;

    public bool Shared { get; set; }
}
