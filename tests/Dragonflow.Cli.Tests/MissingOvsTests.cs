using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary>
/// The verbs that need Open vSwitch, on a PATH without it: one line naming what is missing and
/// how to get it, exit code 2, no stack trace; <c>trace --logical-only</c> needs no OVS and still works.
/// </summary>
public sealed class MissingOvsTests : IDisposable
{
    const int MissingPrerequisite = 2;
    readonly string _dir = Directory.CreateTempSubdirectory("df-no-ovs-nb-").FullName;
    readonly PathWithoutOvs _path = new();

    public void Dispose()
    {
        _path.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    Task<(int ExitCode, string Stdout, string Stderr)> Cli(params string[] args) =>
        DragonflowCli.RunAsync([.. args, "--set", $"df.nb_db_path={Path.Combine(_dir, "nb.db")}", "--set", "df.enable_df_pub_sub=false"],
            environment: _path.Environment);

    [Theory]
    [InlineData("ovsdb-tool", "bench openflow --flows 10")]
    [InlineData("ovsdb-tool", "bench convergence --ports 0 --samples 1")]
    [InlineData("ovsdb-tool", "bench memory --networks 1 --ports 0")]
    [InlineData("ovsdb-tool", "bench idle --seconds 1")]
    [InlineData("ovs-appctl", "trace --from p1 --to 10.0.0.2")]
    public async Task A_verb_that_needs_ovs_names_the_missing_tool_in_one_line_and_exits_2(string tool, string commandLine)
    {
        var args = commandLine.Split(' ');
        var (exitCode, stdout, stderr) = await Cli(args);
        var line = AssertOneLineError(exitCode, stdout, stderr);
        Assert.Contains($"dragonflow {string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))}: ", line);
        Assert.Contains($"Open vSwitch is not installed ({tool} not found on PATH)", line);
        Assert.Contains("scripts/install-deps.sh", line);
    }

    [Fact]
    public async Task A_tool_that_is_on_path_but_cannot_start_is_one_line_and_exit_2_too()
    {
        foreach (var tool in OvsTools)
            _path.AddUnstartable(tool);
        _path.AddReal("ip");
        var (exitCode, stdout, stderr) = await Cli("bench", "openflow", "--flows", "10");
        var line = AssertOneLineError(exitCode, stdout, stderr);
        Assert.Contains("cannot start ovsdb-tool (No such file or directory)", line);
    }

    [Fact]
    public async Task A_private_switch_without_iproute2_is_one_line_and_exit_2()
    {
        foreach (var tool in OvsTools)
            _path.AddUnstartable(tool);
        var (exitCode, stdout, stderr) = await Cli("bench", "openflow", "--flows", "10");
        var line = AssertOneLineError(exitCode, stdout, stderr);
        Assert.Contains("iproute2 is not installed (ip not found on PATH)", line);
    }

    static readonly string[] OvsTools = ["ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl"];

    [Fact]
    public async Task A_logical_trace_needs_no_ovs()
    {
        await TwoPortNb.CreateAsync(Path.Combine(_dir, "nb.db"));
        var (exitCode, stdout, stderr) = await Cli("trace", "--from", "p1", "--to", "10.0.0.2", "--logical-only");
        Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
        Assert.EndsWith("verdict: delivered to port lport p2 on chassis compute-1", stdout.TrimEnd());
    }

    static string AssertOneLineError(int exitCode, string stdout, string stderr)
    {
        var output = $"exit {exitCode}\nstdout:\n{stdout}\nstderr:\n{stderr}";
        Assert.True(exitCode == MissingPrerequisite, output);
        Assert.DoesNotContain("Exception", stdout + stderr);
        Assert.DoesNotContain("   at ", stdout + stderr);
        var lines = (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, output);
        Assert.StartsWith("error: ", lines[0]);
        return lines[0];
    }
}
