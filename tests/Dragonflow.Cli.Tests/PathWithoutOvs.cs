namespace Dragonflow.Cli.Tests;

/// <summary>
/// A PATH for the CLI as on a machine without Open vSwitch: one temporary directory holding only
/// the dotnet host (a symlink to the real one), and whatever programs a test adds to it.
/// </summary>
sealed class PathWithoutOvs : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("df-no-ovs-").FullName;

    public PathWithoutOvs()
    {
        File.CreateSymbolicLink(Path.Combine(_dir, "dotnet"), RealDotnet());
        Environment = new Dictionary<string, string> { ["PATH"] = _dir };
    }

    /// <summary>What the CLI process gets: PATH is the directory alone.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>An executable script whose interpreter does not exist: found on PATH, but it cannot be started.</summary>
    public void AddUnstartable(string program)
    {
        var path = Path.Combine(_dir, program);
        File.WriteAllText(path, "#!/nonexistent/interpreter\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>A link to the real <paramref name="program"/> of this process' PATH.</summary>
    public void AddReal(string program) => File.CreateSymbolicLink(Path.Combine(_dir, program), OnPath(program));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The dotnet executable itself (not a link to it), as found on this process' PATH.</summary>
    static string RealDotnet()
    {
        var onPath = OnPath("dotnet");
        return new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath;
    }

    static string OnPath(string program) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).First(File.Exists);
}
