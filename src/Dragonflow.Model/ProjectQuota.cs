namespace Dragonflow.Model;

/// <summary>
/// A project's own quota limits (table <c>quota</c>, id and topic the project): the resources
/// whose limit an admin set for it; the others keep the server's configured defaults. Read by
/// the API server only.
/// </summary>
public sealed class ProjectQuota : NbObject
{
    /// <summary>Resource (network, port, ...) → limit; -1 is unlimited.</summary>
    public Dictionary<string, int> Limits { get; set; } = [];
}
