namespace Dragonflow.Server.Auth;

/// <summary>
/// Who a request comes from, as Keystone names it: a project, a user and the user's roles in that
/// project (effective roles: Keystone lists the implied ones too, so admin carries member and reader).
/// Every auth strategy ends here; policy reads nothing else.
/// </summary>
public sealed record Identity(string ProjectId, string UserId, IReadOnlySet<string> Roles)
{
    public const string AdminRole = "admin";
    public const string MemberRole = "member";
    public const string ReaderRole = "reader";

    public static Identity Of(string projectId, string userId, IEnumerable<string> roles) =>
        new(projectId, userId, roles.Select(r => r.Trim().ToLowerInvariant()).Where(r => r.Length > 0).ToHashSet());

    public bool Has(string role) => Roles.Contains(role);

    public bool IsAdmin => Has(AdminRole);

    public bool Equals(Identity? other) =>
        other is not null && ProjectId == other.ProjectId && UserId == other.UserId && Roles.SetEquals(other.Roles);

    public override int GetHashCode() => HashCode.Combine(ProjectId, UserId, Roles.Count);
}
