using Dragonflow.Server.Auth;

namespace Dragonflow.Server.Bench;

/// <summary>
/// What <c>bench api --keystone</c> runs as: a project and a member user of its own in a running
/// Keystone, made with the admin's credentials (which also serve as the server's service user), and
/// a token of that user. Disposing deletes the user and the project again.
/// </summary>
public sealed class KeystoneBenchAccount : IAsyncDisposable
{
    readonly KeystoneAdmin _admin;
    readonly string _userId;
    readonly string _projectId;

    KeystoneBenchAccount(KeystoneAdmin admin, string userId, string projectId, KeystoneSettings settings, IssuedToken token)
    {
        _admin = admin;
        _userId = userId;
        _projectId = projectId;
        Settings = settings;
        Token = token;
    }

    /// <summary>[keystone_authtoken] of the benchmarked server.</summary>
    public KeystoneSettings Settings { get; }

    /// <summary>The bench user's token, scoped to its project.</summary>
    public IssuedToken Token { get; }

    public static async Task<KeystoneBenchAccount> CreateAsync(Uri authUrl, string adminUser, string adminPassword, string adminProject,
        CancellationToken cancellationToken = default)
    {
        var admin = await KeystoneAdmin.SignInAsync(authUrl, adminUser, adminPassword, adminProject, cancellationToken);
        string? projectId = null, userId = null;
        try
        {
            var name = $"df-bench-{Guid.NewGuid():N}"[..17];
            var password = Guid.NewGuid().ToString("N");
            projectId = await admin.CreateProjectAsync(name, cancellationToken);
            userId = await admin.CreateUserAsync(name, password, cancellationToken);
            await admin.AssignAsync(projectId, userId, await admin.RoleAsync(Identity.MemberRole, cancellationToken), cancellationToken);
            var token = await admin.TokenAsync(name, password, name, cancellationToken);
            var settings = new KeystoneSettings
            {
                AuthUrl = authUrl, WwwAuthenticateUri = authUrl.ToString(), Username = adminUser, Password = adminPassword, ProjectName = adminProject,
            };
            return new KeystoneBenchAccount(admin, userId, projectId, settings, token);
        }
        catch
        {
            await DeleteAsync(admin, userId, projectId);
            admin.Dispose();
            throw;
        }
    }

    static async Task DeleteAsync(KeystoneAdmin admin, string? userId, string? projectId)
    {
        if (userId is not null)
            await admin.DeleteAsync("users", userId);
        if (projectId is not null)
            await admin.DeleteAsync("projects", projectId);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DeleteAsync(_admin, _userId, _projectId);
        }
        finally
        {
            _admin.Dispose();
        }
    }
}
