using System.CommandLine;
using Dragonflow.Configuration;
using Dragonflow.Controller.Apps;

namespace Dragonflow.Cli.Verbs;

/// <summary><c>dragonflow config show|sample|apps</c>: the effective configuration, a commented sample file, the apps this build runs.</summary>
static class ConfigVerb
{
    const string SecretMask = "****";

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
                {
                    var value = config.Get(option.Section, option.Name) ?? "";
                    Console.WriteLine($"{option.Name} = {(option.Secret && value.Length > 0 ? SecretMask : value)}");
                }
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

        var apps = new Command("apps", "Print the apps of apps_list that a controller runs, one per line (an unknown name is an error).");
        apps.SetAction(parse =>
        {
            var config = GlobalOptions.LoadConfig(parse);
            try
            {
                AppCatalog.Validate(config.AppsList);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Usage;
            }
            foreach (var name in config.AppsList.Distinct(StringComparer.Ordinal))
                Console.WriteLine(name);
            return ExitCodes.Ok;
        });

        return new Command("config", "Inspect the configuration.") { show, sample, apps };
    }
}
