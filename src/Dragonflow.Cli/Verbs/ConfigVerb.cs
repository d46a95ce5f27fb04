using System.CommandLine;
using Dragonflow.Configuration;

namespace Dragonflow.Cli.Verbs;

/// <summary><c>dragonflow config show|sample</c>: the effective configuration, and a commented sample file.</summary>
static class ConfigVerb
{
    public static Command Create()
    {
        var show = new Command("show", "Print the effective configuration (defaults, file, environment and --set merged).");
        show.SetAction(parse =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            foreach (var section in OptionCatalog.All.GroupBy(o => o.Section))
            {
                Console.WriteLine($"[{section.Key}]");
                foreach (var option in section)
                    Console.WriteLine($"{option.Name} = {config.Get(option.Section, option.Name) ?? ""}");
                Console.WriteLine();
            }
            return ExitCodes.Ok;
        });

        var sample = new Command("sample", "Print a commented sample configuration file listing every option.");
        sample.SetAction(_ =>
        {
            Console.Write(SampleConfig.Render());
            return ExitCodes.Ok;
        });

        return new Command("config", "Inspect the configuration.") { show, sample };
    }
}
