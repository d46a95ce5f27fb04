using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary><c>dragonflow config apps</c>: what run.sh asks to know which pings to expect.</summary>
public sealed class ConfigAppsTests
{
    [Fact]
    public async Task Lists_each_app_of_apps_list_once_in_order()
    {
        var result = await DragonflowCli.RunAsync(["config", "apps", "--set", "df.apps_list=l2,dhcp,sg,dnat,aging"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(["l2", "dhcp", "sg", "dnat", "aging"], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task An_unknown_app_is_a_usage_error_naming_it()
    {
        var result = await DragonflowCli.RunAsync(["config", "apps", "--set", "df.apps_list=l2,no_such_app"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no_such_app", result.Stderr);
    }
}
