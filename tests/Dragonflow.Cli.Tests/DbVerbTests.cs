using System.Text.Json.Nodes;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary>`dragonflow db` end to end: a real process on a temporary sqlite NB database.</summary>
public sealed class DbVerbTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("df-db-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    Task<(int ExitCode, string Stdout, string Stderr)> Db(params string[] args) =>
        DragonflowCli.RunAsync(["db", .. args, "--set", $"df.nb_db_path={Path.Combine(_dir, "nb.db")}"]);

    static JsonObject Parse(string text) => (JsonObject)JsonNode.Parse(text)!;

    [Fact]
    public async Task Objects_go_through_add_get_ls_update_dump_rm_and_clean()
    {
        var tables = await Db("tables");
        Assert.Equal(0, tables.ExitCode);
        Assert.Contains("lport", tables.Stdout.Split('\n'));
        Assert.Contains("lswitch", tables.Stdout.Split('\n'));
        Assert.Contains("ipam_ip", tables.Stdout.Split('\n'));

        var add = await Db("add", "lswitch", "-j", """{"id":"net-1","topic":"proj-a","name":"blue","mtu":1450}""");
        Assert.True(add.ExitCode == 0, add.Stderr);
        Assert.Equal(1, (long)Parse(add.Stdout)["version"]!);
        Assert.Equal(0, (await Db("add", "lswitch", "-j", """{"id":"net-2","topic":"proj-b","name":"red"}""")).ExitCode);

        var get = await Db("get", "lswitch", "net-1", "-f", "json");
        Assert.Equal(0, get.ExitCode);
        Assert.Single(get.Stdout.Trim().Split('\n'));
        Assert.Equal("blue", (string)Parse(get.Stdout)["name"]!);

        Assert.Equal(["net-1", "net-2"], (await Db("ls", "lswitch")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["net-2"], (await Db("ls", "lswitch", "--topic", "proj-b")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var file = Path.Combine(_dir, "net-1.json");
        File.WriteAllText(file, """{"id":"net-1","topic":"proj-a","name":"green","version":1}""");
        var update = await Db("update", "lswitch", "-f", file);
        Assert.True(update.ExitCode == 0, update.Stderr);
        Assert.Equal(2, (long)Parse(update.Stdout)["version"]!);
        Assert.Equal("green", (string)Parse((await Db("get", "lswitch", "net-1")).Stdout)["name"]!);

        var stale = await Db("update", "lswitch", "-f", file);
        Assert.Equal(1, stale.ExitCode);
        Assert.Contains("version conflict", stale.Stderr);
        Assert.Equal("green", (string)Parse((await Db("get", "lswitch", "net-1")).Stdout)["name"]!);

        var dump = await Db("dump", "-f", "json");
        Assert.Equal(0, dump.ExitCode);
        Assert.Contains("/openstack/lswitch/net-1 ", dump.Stdout);
        Assert.Contains("/openstack/lswitch/net-2 ", dump.Stdout);

        Assert.Equal(0, (await Db("rm", "lswitch", "net-2")).ExitCode);
        Assert.Equal(["net-1"], (await Db("ls", "lswitch")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var clean = await Db("clean");
        Assert.Equal(0, clean.ExitCode);
        Assert.Contains("deleted 1 objects", clean.Stdout);
        Assert.Empty((await Db("ls", "lswitch")).Stdout.Trim());
    }

    [Fact]
    public async Task Unknown_tables_and_keys_exit_1_with_a_clear_message()
    {
        var table = await Db("ls", "networks");
        Assert.Equal(1, table.ExitCode);
        Assert.Contains("unknown table 'networks'", table.Stderr);

        var key = await Db("get", "lport", "no-such-port");
        Assert.Equal(1, key.ExitCode);
        Assert.Contains("/openstack/lport/no-such-port not found", key.Stderr);

        var rm = await Db("rm", "lport", "no-such-port");
        Assert.Equal(1, rm.ExitCode);
        Assert.Contains("not found", rm.Stderr);

        var duplicate = await Db("add", "chassis", "-j", """{"id":"compute-1","ip":"10.0.0.1"}""");
        Assert.Equal(0, duplicate.ExitCode);
        duplicate = await Db("add", "chassis", "-j", """{"id":"compute-1","ip":"10.0.0.1"}""");
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("already exists", duplicate.Stderr);
    }

    [Fact]
    public async Task Bad_input_is_refused_and_changes_nothing()
    {
        var malformed = await Db("add", "lswitch", "-j", "{not json");
        Assert.NotEqual(0, malformed.ExitCode);
        Assert.Contains("lswitch", malformed.Stderr);

        var both = await Db("add", "lswitch");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("-j JSON or as -f FILE", both.Stderr);

        var badConfig = await DragonflowCli.RunAsync(["db", "ls", "lport", "--set", "df.nb_db_class=mongodb"]);
        Assert.Equal(2, badConfig.ExitCode);
        Assert.Contains("[df] nb_db_class", badConfig.Stderr);

        Assert.Empty((await Db("ls", "lswitch")).Stdout.Trim());
    }
}
