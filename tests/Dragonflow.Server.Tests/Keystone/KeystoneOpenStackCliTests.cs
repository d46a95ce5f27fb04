using System.Text.Json.Nodes;
using Dragonflow.Testing;

namespace Dragonflow.Server.Tests.Keystone;

/// <summary>
/// The real python-openstackclient signing in with a password at the real Keystone, finding the
/// server through Keystone's catalog, and the server validating the token it gets.
/// </summary>
[Collection(KeystoneCollection.Name)]
public sealed class KeystoneOpenStackCliTests(KeystoneAccounts accounts)
{
    const string Region = "RegionOne";

    async Task<JsonNode> OpenStackAsync(string user, string project, params string[] args)
    {
        string[] auth =
        [
            "--os-auth-type", "password", "--os-auth-url", accounts.Keystone.Url.ToString(), "--os-identity-api-version", "3",
            "--os-username", user, "--os-password", KeystoneAccounts.Password, "--os-project-name", project,
            "--os-user-domain-name", "Default", "--os-project-domain-name", "Default", "--os-region-name", Region, "--os-interface", "public",
        ];
        // The OS_* variables of whoever runs the tests must not decide where the client goes.
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("OS_", StringComparison.Ordinal)).ToDictionary(k => k, _ => "");
        var result = await ProcessRunner.RunAsync("openstack", [.. auth, .. args, "-f", "json"], TimeSpan.FromSeconds(60), environment);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.StdOut)!;
    }

    [Fact]
    public async Task The_openstack_cli_with_a_keystone_password_creates_in_its_project_and_sees_only_its_own()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(TimeSpan.FromMinutes(5)));
        var service = await accounts.Admin.CreateServiceAsync("network", "neutron");
        try
        {
            await accounts.Admin.CreatePublicEndpointAsync(service, api.Address, Region);
            var created = await OpenStackAsync("alice", "alpha", "network", "create", "cli-alpha");
            Assert.Equal(accounts.AlphaId, (string?)created["project_id"]);
            await OpenStackAsync("bob", "beta", "network", "create", "cli-beta");

            var alices = (await OpenStackAsync("alice", "alpha", "network", "list")).AsArray().Select(n => (string?)n!["Name"]);
            Assert.Equal(["cli-alpha"], alices);
        }
        finally
        {
            // The endpoints of a service go with it.
            await accounts.Admin.DeleteAsync("services", service);
        }
    }
}
