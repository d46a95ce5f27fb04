namespace Dragonflow.Testing;

/// <summary>What a finished (or timed-out) process left behind.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StdOut, string StdErr, bool TimedOut)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>Throws <see cref="ProcessFailedException"/> unless the process exited with 0.</summary>
    public ProcessResult EnsureSuccess() => Succeeded ? this : throw new ProcessFailedException(this);

    public override string ToString() =>
        $"`{CommandLine}` -> {(TimedOut ? "timed out" : $"exit {ExitCode}")}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

public sealed class ProcessFailedException(ProcessResult result) : Exception(result.ToString())
{
    public ProcessResult Result { get; } = result;
}
