using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dragonflow.Cli.Inspection;
using Dragonflow.NorthDb;

namespace Dragonflow.Cli.Verbs;

/// <summary>
/// <c>dragonflow status</c>: chassis (up/down by heartbeat) with each controller's connections,
/// publishers, and the ports of each chassis with their status. Reads the NB database only.
/// </summary>
static class StatusVerb
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // "->" stays readable; output goes to a terminal, not HTML
    };

    /// <summary><c>-f table|json</c>, and the <paramref name="more"/> formats a verb also has.</summary>
    public static Option<string> FormatOption(params string[] more)
    {
        string[] formats = ["table", "json", .. more];
        var option = new Option<string>("-f", "--format")
        {
            Description = $"Output format: {string.Join(", ", formats[..^1])} or {formats[^1]}.",
            DefaultValueFactory = _ => "table",
        };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }

    public static Command Create()
    {
        var format = FormatOption();
        var command = new Command("status", "Show chassis (up/down by heartbeat), publishers, the ports of each chassis and the gateway chassis of each router.") { format };
        command.SetAction(async (parse, ct) =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            try
            {
                using var nb = await NbConnection.OpenAsync(config, publish: false);
                var snapshot = await NbSnapshot.ReadAsync(nb, ct);
                var status = ClusterStatus.Compute(snapshot, DateTimeOffset.UtcNow);
                Console.WriteLine(parse.GetValue(format) == "json" ? JsonSerializer.Serialize(status, Json) : status.Render());
                if (snapshot.CorruptRows > 0) Console.Error.WriteLine($"warning: {snapshot.CorruptRows} unreadable NB rows left out (see 'db dump')");
                return ExitCodes.Ok;
            }
            catch (NbException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
