namespace Dragonflow.Testing;

/// <summary>Runs the built <c>dragonflow</c> command line as a separate process, as an operator would.</summary>
public static class DragonflowCli
{
    /// <summary>dragonflow.dll beside the test binaries (test projects reference the CLI project).</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "dragonflow.dll");

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [Dll, .. args], timeout ?? TimeSpan.FromSeconds(60), environment, stdin);
        if (result.TimedOut)
            throw new TimeoutException($"{result.CommandLine} did not finish in time");
        return (result.ExitCode, result.StdOut, result.StdErr);
    }
}
