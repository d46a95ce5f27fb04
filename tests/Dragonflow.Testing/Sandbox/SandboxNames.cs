namespace Dragonflow.Testing.Sandbox;

/// <summary>
/// Short unique names for the namespaces, interfaces and run directories of one sandbox.
/// Linux limits interface names to 15 characters, so a name is "df" + a 5-character random
/// token + a role letter + a counter (e.g. "dfk3x9qc1"). The token keeps parallel test
/// classes (and leftovers of a crashed run) from colliding.
/// </summary>
public sealed class SandboxNames
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private readonly Dictionary<char, int> _counters = new();

    public SandboxNames()
    {
        Span<char> t = stackalloc char[5];
        for (var i = 0; i < t.Length; i++) t[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
        Token = new string(t);
    }

    /// <summary>The random part shared by every name of this sandbox.</summary>
    public string Token { get; }

    /// <summary>Returns the next name for a role, e.g. Next('c') -> "df{token}c1".</summary>
    public string Next(char role)
    {
        lock (_counters)
        {
            _counters.TryGetValue(role, out var n);
            _counters[role] = ++n;
            return $"df{Token}{role}{n}";
        }
    }

    /// <summary>A run directory under /tmp (kept short: unix socket paths are limited to 107 bytes).</summary>
    public static string RunDirectory(string name) => Path.Combine("/tmp", name);
}
