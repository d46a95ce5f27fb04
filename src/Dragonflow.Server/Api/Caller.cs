using Microsoft.AspNetCore.Http;

namespace Dragonflow.Server.Api;

/// <summary>
/// Who makes a request. With noauth every caller is admin (as Neutron's noauth context is) and
/// the project is X-Project-Id (or X-Tenant-Id), else the default project.
/// </summary>
sealed record Caller(string ProjectId, bool IsAdmin)
{
    public static Caller Of(HttpContext context, string defaultProject)
    {
        var headers = context.Request.Headers;
        var project = headers["X-Project-Id"].FirstOrDefault() ?? headers["X-Tenant-Id"].FirstOrDefault();
        return new Caller(string.IsNullOrWhiteSpace(project) ? defaultProject : project.Trim(), true);
    }
}
