using Dragonflow.Controller.Apps;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary><c>dragonflow config apps</c>: what run.sh asks to know which pings to expect.</summary>
public sealed class ConfigAppsTests
{
    [Fact]
    public async Task Lists_each_app_of_apps_list_with_whether_this_build_runs_it()
    {
        var result = await DragonflowCli.RunAsync(["config", "apps", "--set", "df.apps_list=l2,dhcp,sg,dnat,aging"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
        Assert.Equal(["l2", "dhcp", "sg", "dnat", "aging"], lines.Select(l => l[0]));
        foreach (var line in lines)
        {
            var expected = AppCatalog.NotYetImplemented.Contains(line[0]) ? "not-implemented" : "runs";
            Assert.Equal(expected, line[1]);
        }
        Assert.Equal("runs", lines.Single(l => l[0] == "l2")[1]);
    }

    [Fact]
    public async Task An_unknown_app_is_a_usage_error_naming_it()
    {
        var result = await DragonflowCli.RunAsync(["config", "apps", "--set", "df.apps_list=l2,no_such_app"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no_such_app", result.Stderr);
    }
}
