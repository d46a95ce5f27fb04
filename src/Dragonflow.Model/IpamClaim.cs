namespace Dragonflow.Model;

/// <summary>
/// A claim on a scarce value: an IP in a subnet, a MAC on a network, a segmentation id, a
/// port's membership of a network. The API servers create these with create-if-absent so the
/// NB database decides who wins; the topic is the claim's scope (subnet, network).
/// </summary>
public sealed class IpamClaim : NbObject
{
    /// <summary>The object holding the value (usually a port or network id).</summary>
    public string Owner { get; set; } = "";
}
