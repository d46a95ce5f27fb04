namespace Dragonflow.Cli;

static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The request named something that does not exist, or the operation failed.</summary>
    public const int Failure = 1;
    /// <summary>The command line or the configuration is wrong.</summary>
    public const int Usage = 2;
    /// <summary>
    /// This machine lacks a tool, file or privilege the verb needs. It shares 2 with
    /// <see cref="Usage"/>: like a wrong command line, it is fixed by the operator, not by retrying.
    /// </summary>
    public const int MissingPrerequisite = Usage;
}
