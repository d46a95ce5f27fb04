using System.IO.Pipes;

namespace Dragonflow.Testing;

/// <summary>
/// Which processes still hold the other end of a pipe we read: a program that left a daemon
/// behind (the daemon inherited its stdout) keeps the pipe open after it exited, so its output
/// never ends. Linux only (/proc/PID/fd links read "pipe:[inode]").
/// </summary>
static class PipeWriters
{
    /// <summary>The "pipe:[inode]" name of the pipe under <paramref name="stream"/>, or null.</summary>
    public static string? PipeName(Stream stream)
    {
        if (stream is not PipeStream pipe) return null;
        try
        {
            return new FileInfo($"/proc/self/fd/{pipe.SafePipeHandle.DangerousGetHandle()}").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>True when a process other than this one has the pipe <paramref name="pipeName"/> open.</summary>
    public static bool HeldByAnotherProcess(string pipeName)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                    if (new FileInfo(fd).LinkTarget == pipeName) return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended meanwhile, or is not ours to look at.
            }
        }
        return false;
    }
}
