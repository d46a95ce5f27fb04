using Dragonflow.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace Dragonflow.Server.Api;

/// <summary>
/// The <see cref="Auth.Identity"/> of a request, as <see cref="Http.AuthMiddleware"/> established it,
/// and the three personas of Neutron's policy defaults: admin (the admin role, anywhere), project
/// member and project reader (that role in the resource's project).
/// </summary>
sealed record Caller(Identity Identity)
{
    const string Key = "dragonflow.caller";

    public string ProjectId => Identity.ProjectId;

    public bool IsAdmin => Identity.IsAdmin;

    /// <summary>Neutron's ADMIN_OR_PROJECT_READER on a resource of <paramref name="project"/>.</summary>
    public bool Reads(string? project) => IsAdmin || (Identity.Has(Identity.ReaderRole) && project == ProjectId);

    /// <summary>Neutron's ADMIN_OR_PROJECT_MEMBER on a resource of <paramref name="project"/>.</summary>
    public bool Writes(string? project) => IsAdmin || (Identity.Has(Identity.MemberRole) && project == ProjectId);

    /// <summary>The caller's project owns it (Neutron's <c>tenant_id:%(...)s</c> checks, whatever the role).</summary>
    public bool InProject(string? project) => project == ProjectId;

    public static Caller Of(HttpContext context, string defaultProject) =>
        context.Items.TryGetValue(Key, out var caller) && caller is Caller c ? c : NoAuth(context, defaultProject);

    /// <summary>
    /// noauth: the project is X-Project-Id (or X-Tenant-Id), the user X-User-Id (else the project),
    /// the roles X-Roles (comma-separated; a role implies the lesser ones, as Keystone's do) or
    /// member when a project is named without roles. A request naming neither a project nor roles
    /// is the operator's: admin in the default project.
    /// </summary>
    public static Caller NoAuth(HttpContext context, string defaultProject)
    {
        var headers = context.Request.Headers;
        var project = Header(headers, "X-Project-Id") ?? Header(headers, "X-Tenant-Id");
        var roles = Header(headers, "X-Roles")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string[] named = roles is { Length: > 0 } ? roles : project is null ? [Identity.AdminRole] : [Identity.MemberRole];
        project ??= defaultProject;
        return new Caller(Identity.Of(project, Header(headers, "X-User-Id") ?? project, WithImplied(named)));
    }

    static string? Header(IHeaderDictionary headers, string name) =>
        headers[name].FirstOrDefault() is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>Keystone's default implied roles: admin → member → reader.</summary>
    static IEnumerable<string> WithImplied(IEnumerable<string> roles)
    {
        foreach (var role in roles.Select(r => r.ToLowerInvariant()))
        {
            yield return role;
            if (role == Identity.AdminRole)
                yield return Identity.MemberRole;
            if (role is Identity.AdminRole or Identity.MemberRole)
                yield return Identity.ReaderRole;
        }
    }

    public void Attach(HttpContext context) => context.Items[Key] = this;
}
