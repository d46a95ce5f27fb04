using Dragonflow.Testing;

namespace Dragonflow.Controller.Tests.Integration;

public sealed class ControllerVerbTests
{
    [Fact]
    public async Task An_unknown_app_in_apps_list_stops_the_controller_at_start_up()
    {
        var (exit, _, stderr) = await DragonflowCli.RunAsync(
            ["controller", "--set", "df.apps_list=l2,tunneling,l2_turbo", "--set", "df.ovsdb_connection=unix:/nonexistent/db.sock"],
            TimeSpan.FromSeconds(30));
        Assert.Equal(2, exit);
        Assert.Contains("l2_turbo", stderr);
    }
}
