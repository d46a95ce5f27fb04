using Dragonflow.Server.Auth;
using Dragonflow.Server.Bench;
using Dragonflow.Testing.Backends;

namespace Dragonflow.Server.Tests.Keystone;

/// <summary>
/// A real Keystone for the Keystone test collection, with the accounts the tests use: the server's service user
/// (neutron, role service in project service), project alpha with alice (member) and rita (reader),
/// project beta with bob (member). Tokens live <see cref="TokenLife"/>, so one test can see a token expire.
/// </summary>
public sealed class KeystoneAccounts : IAsyncLifetime
{
    public static readonly TimeSpan TokenLife = TimeSpan.FromSeconds(20);
    public const string Password = "secret-pw";
    public const string ServiceUser = "neutron";
    public const string ServiceProject = "service";

    KeystoneServer? _keystone;
    KeystoneAdmin? _admin;

    public KeystoneServer Keystone => _keystone!;
    public KeystoneAdmin Admin => _admin!;
    public string AlphaId { get; private set; } = "";
    public string BetaId { get; private set; } = "";
    public string ServiceUserId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _keystone = new KeystoneServer(TokenLife);
        try
        {
            await CreateAccountsAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    async Task CreateAccountsAsync()
    {
        _admin = await KeystoneAdmin.SignInAsync(Keystone.Url, KeystoneServer.AdminUser, KeystoneServer.AdminPassword, KeystoneServer.AdminProject);
        var service = await Admin.CreateProjectAsync(ServiceProject);
        ServiceUserId = await Admin.CreateUserAsync(ServiceUser, Password);
        await Admin.AssignAsync(service, ServiceUserId, await Admin.RoleAsync("service"));
        AlphaId = await Admin.CreateProjectAsync("alpha");
        BetaId = await Admin.CreateProjectAsync("beta");
        var member = await Admin.RoleAsync(Identity.MemberRole);
        var reader = await Admin.RoleAsync(Identity.ReaderRole);
        await Admin.AssignAsync(AlphaId, await Admin.CreateUserAsync("alice", Password), member);
        await Admin.AssignAsync(AlphaId, await Admin.CreateUserAsync("rita", Password), reader);
        await Admin.AssignAsync(BetaId, await Admin.CreateUserAsync("bob", Password), member);
    }

    /// <summary>[keystone_authtoken] as an operator would write it for this Keystone.</summary>
    public KeystoneSettings Settings(TimeSpan tokenCacheTime) => new()
    {
        AuthUrl = Keystone.Url, WwwAuthenticateUri = Keystone.Url.ToString(), Username = ServiceUser, Password = Password,
        ProjectName = ServiceProject, RegionName = "RegionOne", TokenCacheTime = tokenCacheTime,
    };

    /// <summary>A new token of <paramref name="user"/> scoped to <paramref name="project"/>.</summary>
    public async Task<IssuedToken> TokenAsync(string user, string project) => await Admin.TokenAsync(user, Password, project);

    public Task DisposeAsync()
    {
        _admin?.Dispose();
        _keystone?.Dispose();
        return Task.CompletedTask;
    }
}
