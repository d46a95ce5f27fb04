using System.CommandLine;
using System.Text.Json;
using Dragonflow.Cli.Inspection;

namespace Dragonflow.Cli.Verbs;

/// <summary>
/// <c>dragonflow pipeline [-f table|json|markdown]</c>: the br-int tables with the apps that write
/// them (and their priority bands), where each leads and what it decides. No NB or OVS access:
/// the map is this build's data (<see cref="PipelineMap"/>); markdown is docs/pipeline.md.
/// </summary>
static class PipelineVerb
{
    const string Markdown = "markdown";

    public static Command Create()
    {
        var format = StatusVerb.FormatOption(Markdown);
        var command = new Command("pipeline", "Print the br-int pipeline: each table, the apps that write it with their priority bands, its next tables and purpose.") { format };
        command.SetAction(parse =>
        {
            var map = PipelineMap.Build();
            // Written with '\n' whatever the platform, so the markdown matches the checked-in file byte for byte.
            Console.Out.Write(parse.GetValue(format) switch
            {
                "json" => JsonSerializer.Serialize(map.Tables, StatusVerb.Json) + "\n",
                Markdown => PipelineMarkdown.Render(map),
                _ => PipelineText.Render(map) + "\n",
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
