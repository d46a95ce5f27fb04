using System.Diagnostics;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

public sealed class CommandLineTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("df-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_repository_wrapper_builds_and_runs_the_cli()
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot.Path, "dragonflow"), "--help")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Contains("db", await stdout);
        Assert.Contains("config", await stdout);
    }

    [Theory]
    [InlineData("--config", "{0}", "db", "ls", "lswitch")]
    [InlineData("db", "--config", "{0}", "ls", "lswitch")]
    [InlineData("db", "ls", "lswitch", "--config", "{0}")]
    public async Task Config_is_accepted_anywhere_on_the_command_line(params string[] args)
    {
        var file = Path.Combine(_dir, "dragonflow.ini");
        File.WriteAllText(file, $"[df]\nnb_db_path = {Path.Combine(_dir, "nb.db")}\nsome_future_option = 1\n");
        var result = await DragonflowCli.RunAsync(args.Select(a => string.Format(a, file)));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("unknown option [df] some_future_option", result.Stderr);
        Assert.True(File.Exists(Path.Combine(_dir, "nb.db")));
    }
}
