using System.Globalization;
using System.Text.Json.Nodes;
using Dragonflow.Cli.Inspection;
using Dragonflow.Controller.Apps;
using Dragonflow.Controller.Pipeline;
using Dragonflow.Testing;

namespace Dragonflow.Cli.Tests;

/// <summary>`dragonflow pipeline`: docs/pipeline.md is its markdown, and every output names every table and app.</summary>
public class PipelineVerbTests
{
    static readonly IReadOnlyList<string> AppNames = [.. AppCatalog.Declarations().Select(a => a.Id.Name)];

    [Fact]
    public void Every_app_of_the_catalogue_has_its_own_cookie_id_and_name()
    {
        var apps = AppCatalog.Declarations();
        Assert.Equal(apps.Count, apps.Select(a => a.Id.Value).Distinct().Count());
        Assert.Equal(apps.Count, AppNames.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_checked_in_pipeline_page_is_the_generated_one()
    {
        var path = Path.Combine(RepositoryRoot.Path, PipelineMarkdown.DocPath);
        var generated = PipelineMarkdown.Render(PipelineMap.Build());
        var checkedIn = File.Exists(path) ? File.ReadAllText(path) : "";
        Assert.True(generated == checkedIn,
            $"{PipelineMarkdown.DocPath} is not what the pipeline spec and the apps' contracts generate; regenerate it: {PipelineMarkdown.Regenerate}");
    }

    [Fact]
    public async Task The_markdown_output_is_the_in_process_rendering()
    {
        var (exit, stdout, stderr) = await DragonflowCli.RunAsync(["pipeline", "-f", "markdown"]);
        Assert.True(exit == 0, stderr);
        Assert.Equal(PipelineMarkdown.Render(PipelineMap.Build()), stdout);
    }

    [Fact]
    public async Task The_table_output_names_every_table_and_every_app()
    {
        var (exit, stdout, stderr) = await DragonflowCli.RunAsync(["pipeline"]);
        Assert.True(exit == 0, stderr);
        // A table's first row starts with its id; rows continuing it start blank.
        var ids = stdout.Split('\n').Skip(1).Select(line => line.Split(' ')[0]).Where(id => id != "");
        Assert.Equal(PipelineSpec.All.Select(t => t.Id).Order().Select(id => id.ToString(CultureInfo.InvariantCulture)), ids);
        foreach (var name in PipelineSpec.All.Select(t => t.Name).Concat(AppNames.Select(a => a + ": ")))
            Assert.Contains(name, stdout);
    }

    [Fact]
    public async Task The_json_output_has_every_table_in_id_order_and_every_app_as_a_writer()
    {
        var (exit, stdout, stderr) = await DragonflowCli.RunAsync(["pipeline", "-f", "json"]);
        Assert.True(exit == 0, stderr);
        var tables = JsonNode.Parse(stdout)!.AsArray();
        Assert.Equal(PipelineSpec.All.Select(t => (t.Id, t.Name)).Order(),
            tables.Select(t => ((byte)t!["id"]!, (string)t["name"]!)));
        var writers = tables.SelectMany(t => t!["writers"]!.AsArray().Select(w => (string)w!["app"]!)).ToHashSet();
        Assert.Equal(AppNames.Order(), writers.Order());
    }
}
