using Dragonflow.Cli.Sandbox;

namespace Dragonflow.Cli.Verbs.Bench;

/// <summary>
/// How a bench on a private sandbox ends when it cannot finish: a sandbox that does not start or
/// a step that times out is an error line and exit code 1; Ctrl-C is 130.
/// </summary>
static class SandboxRun
{
    public static async Task<int> GuardAsync(Func<Task<int>> run, CancellationToken cancellationToken)
    {
        try
        {
            return await run();
        }
        catch (Exception e) when (e is SandboxException or TimeoutException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("interrupted");
            return 130;
        }
    }
}
