using Microsoft.Extensions.Logging;

namespace Dragonflow.Controller.MetadataService;

/// <summary>
/// The proxy's Kestrel logs: requests Kestrel itself refused as malformed (it answers them 400
/// and logs them at debug level as ConnectionBadRequest) are counted; warnings and errors go to
/// the controller's log; the rest is dropped.
/// </summary>
internal sealed class KestrelLog(ILogger controllerLog, Action<string> badRequest) : ILoggerProvider
{
    /// <summary>Kestrel's event for a request it could not parse.</summary>
    public const string BadRequestEvent = "ConnectionBadRequest";

    /// <summary>The category Kestrel logs refused requests under.</summary>
    public const string BadRequestCategory = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";

    private readonly ILogger _controllerLog = controllerLog;
    private readonly Action<string> _badRequest = badRequest;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private sealed class Logger(KestrelLog owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name == BadRequestEvent)
                owner._badRequest(formatter(state, exception));
            else if (logLevel >= LogLevel.Warning)
                owner._controllerLog.Log(logLevel, eventId, "metadata proxy: {Message}", formatter(state, exception));
        }
    }
}
