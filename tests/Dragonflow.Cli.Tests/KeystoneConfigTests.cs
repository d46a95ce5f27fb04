using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary>The command line with [api] auth_strategy = keystone: incomplete settings stop the server at once; the password is never shown.</summary>
public sealed class KeystoneConfigTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("df-cli-keystone-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_server_refuses_to_start_without_the_keystone_settings_it_needs()
    {
        var result = await DragonflowCli.RunAsync(["server", "--set", $"df.nb_db_path={Path.Combine(_dir, "nb.db")}",
            "--set", "api.auth_strategy=keystone", "--set", "keystone_authtoken.auth_url=http://127.0.0.1:5000/v3"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: option [keystone_authtoken] username must be set for [api] auth_strategy = keystone", result.Stderr);
    }

    [Fact]
    public async Task Config_show_masks_the_keystone_password()
    {
        var result = await DragonflowCli.RunAsync(["config", "show", "--set", "keystone_authtoken.password=hunter2", "--set", "keystone_authtoken.username=neutron"]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("[keystone_authtoken]", result.Stdout);
        Assert.Contains("username = neutron", result.Stdout);
        Assert.Contains("password = ****", result.Stdout);
        Assert.DoesNotContain("hunter2", result.Stdout);
    }
}
