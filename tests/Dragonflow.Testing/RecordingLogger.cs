using Microsoft.Extensions.Logging;

namespace Dragonflow.Testing;

/// <summary>An ILogger that keeps what was logged, so a test can assert that bad input was
/// reported (and optionally echoes to the console for debugging).</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly List<(LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get { lock (_entries) return _entries.ToArray(); }
    }

    public bool Contains(LogLevel atLeast, string fragment) =>
        Entries.Any(e => e.Level >= atLeast && e.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception);
        lock (_entries) _entries.Add((logLevel, message));
        if (Environment.GetEnvironmentVariable("DF_TEST_LOG") == "1") Console.Error.WriteLine($"[{logLevel}] {message}");
    }
}
