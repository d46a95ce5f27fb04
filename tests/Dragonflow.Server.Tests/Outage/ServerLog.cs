using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Server.Tests;

/// <summary>The API server's warnings and errors with their exceptions, to explain a failed assertion.</summary>
sealed class ServerLog : ILoggerProvider
{
    readonly ConcurrentQueue<string> _lines = new();

    public void AttachTo(ILoggingBuilder builder) => builder.AddProvider(this);

    public override string ToString() => string.Join("\n", _lines.TakeLast(20));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    sealed class Logger(ServerLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                log._lines.Enqueue($"[{logLevel}] {category}: {formatter(state, exception)} {exception}");
        }
    }
}
