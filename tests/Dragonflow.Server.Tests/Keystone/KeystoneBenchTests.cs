using Dragonflow.Model;
using Dragonflow.Server.Bench;
using Dragonflow.Testing.Backends;

namespace Dragonflow.Server.Tests.Keystone;

/// <summary><c>bench api --keystone</c>: the benchmark's requests carry a token of its own project, validated by Keystone once.</summary>
[Collection(KeystoneCollection.Name)]
public sealed class KeystoneBenchTests(KeystoneAccounts accounts)
{
    [Fact]
    public async Task The_api_bench_runs_on_keystone_with_one_validation_and_removes_its_account()
    {
        ApiBenchResult result;
        string project, user;
        await using (var account = await KeystoneBenchAccount.CreateAsync(accounts.Keystone.Url, KeystoneServer.AdminUser, KeystoneServer.AdminPassword, KeystoneServer.AdminProject))
        {
            project = account.Token.Body.Identity!.ProjectId;
            user = account.Token.Body.Identity.UserId;
            Assert.True(await accounts.Admin.ExistsAsync("projects", project));
            Assert.Contains(Dragonflow.Server.Auth.Identity.MemberRole, account.Token.Body.Identity.Roles);
            result = await ApiBenchmark.RunAsync(new ApiBenchOptions { Ports = 200, ListSamples = 2, FilteredSamples = 3, Keystone = account });
        }
        Assert.Equal(200, result.FullListCount);
        Assert.Equal(1, result.KeystoneValidations);
        // The bench's project and user are gone from Keystone.
        Assert.False(await accounts.Admin.ExistsAsync("projects", project));
        Assert.False(await accounts.Admin.ExistsAsync("users", user));
    }
}
