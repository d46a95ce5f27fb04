using Dragonflow.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Dragonflow.Cli;

/// <summary>
/// The console logging of the long-running verbs, by [DEFAULT] log_format and debug:
/// text is one line per entry for people; json is one JSON object per line for log shippers,
/// with the message template's named values (PortId, NetworkId, ...) as properties and the
/// log scopes (ChassisId, RouterId, ...) included.
/// </summary>
static class ConsoleLogging
{
    public static ILoggingBuilder AddDragonflowConsole(this ILoggingBuilder logging, DragonflowConfig config)
    {
        if (config.LogFormat == "json")
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        else
            logging.AddSimpleConsole(o => o.SingleLine = true);
        return logging.SetMinimumLevel(config.Debug ? LogLevel.Debug : LogLevel.Information);
    }
}
