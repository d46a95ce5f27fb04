using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Dragonflow.Cli.Sandbox;

/// <summary>
/// Whether this machine has what a verb needs of Open vSwitch, asked before the verb starts
/// anything: a missing tool, file or privilege becomes one line naming it and how to get it
/// (<see cref="ExitCodes.MissingPrerequisite"/>), not a stack trace half-way through a run.
/// </summary>
static class OvsPrerequisites
{
    const string HowToInstall = "install it with scripts/install-deps.sh or apt-get install openvswitch-switch";
    const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Throws unless every program is an executable file in a PATH directory, where Process.Start finds it.</summary>
    public static void RequirePrograms(params IEnumerable<string> programs)
    {
        foreach (var program in programs)
        {
            if (!OnPath(program))
                throw new MissingPrerequisiteException($"Open vSwitch is not installed ({program} not found on PATH); {HowToInstall}");
        }
    }

    /// <summary>iproute2's <c>ip</c>, for the network namespace a private ovs-vswitchd runs in.</summary>
    public static void RequireIp()
    {
        if (!OnPath("ip"))
            throw new MissingPrerequisiteException("iproute2 is not installed (ip not found on PATH); install it with scripts/install-deps.sh or apt-get install iproute2");
    }

    static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => IsExecutable(Path.Combine(d, program)));

    public static void RequireFile(string path)
    {
        if (!File.Exists(path))
            throw new MissingPrerequisiteException($"Open vSwitch is not installed ({path} not found); {HowToInstall}");
    }

    public static void RequireRoot(string why)
    {
        if (!Environment.IsPrivilegedProcess)
            throw new MissingPrerequisiteException($"{why} needs root; run it as root (e.g. with sudo)");
    }

    /// <summary>A tool that passed the check yet does not start (removed meanwhile, a script whose interpreter is missing).</summary>
    public static MissingPrerequisiteException CannotStart(string program, Win32Exception e) =>
        new($"cannot start {program} ({Marshal.GetPInvokeErrorMessage(e.NativeErrorCode)}); {HowToInstall}");

    static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & AnyExecute) != 0);
}

/// <summary>This machine lacks a tool, file or privilege the verb needs; the message names it and how to get it.</summary>
sealed class MissingPrerequisiteException(string message) : Exception(message);
