namespace Dragonflow.Testing;

/// <summary>Whether a pid a command printed still runs, read from /proc.</summary>
public static class ProcessProbe
{
    /// <summary>
    /// Alive unless gone or a zombie awaiting its reaper (this container reaps late). With
    /// <paramref name="commandPrefix"/>, a reused pid running something else counts as gone.
    /// </summary>
    public static bool IsAlive(string pid, string? commandPrefix = null)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            if (stat[(stat.LastIndexOf(')') + 2)..][0] == 'Z')
                return false;
            return commandPrefix is null
                || File.ReadAllText($"/proc/{pid}/comm").Trim().StartsWith(commandPrefix, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
