using Dragonflow.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace Dragonflow.Server.Api;

/// <summary>
/// The <see cref="Auth.Identity"/> of a request, as <see cref="Http.AuthMiddleware"/> established it.
/// With noauth every caller is admin (as Neutron's noauth context is) and the project is
/// X-Project-Id (or X-Tenant-Id), else the default project.
/// </summary>
sealed record Caller(Identity Identity)
{
    const string Key = "dragonflow.caller";

    public string ProjectId => Identity.ProjectId;

    public bool IsAdmin => Identity.IsAdmin;

    public static Caller Of(HttpContext context, string defaultProject) =>
        context.Items.TryGetValue(Key, out var caller) && caller is Caller c ? c : NoAuth(context, defaultProject);

    public static Caller NoAuth(HttpContext context, string defaultProject)
    {
        var headers = context.Request.Headers;
        var project = headers["X-Project-Id"].FirstOrDefault() ?? headers["X-Tenant-Id"].FirstOrDefault();
        project = string.IsNullOrWhiteSpace(project) ? defaultProject : project.Trim();
        return new Caller(Identity.Of(project, project, [Identity.AdminRole, Identity.MemberRole, Identity.ReaderRole]));
    }

    public void Attach(HttpContext context) => context.Items[Key] = this;

    /// <summary>Admins act on everything; a project on what it owns.</summary>
    public bool Owns(string? project) => IsAdmin || project == ProjectId;
}
