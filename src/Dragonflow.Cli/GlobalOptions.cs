using System.CommandLine;
using Dragonflow.Configuration;

namespace Dragonflow.Cli;

/// <summary>Options every verb accepts, anywhere on the command line.</summary>
static class GlobalOptions
{
    public static readonly Option<string?> Config = new("--config")
    {
        Description = "INI configuration file (OpenStack style, section [df]).",
        Recursive = true,
    };

    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "Override an option: section.option=value (repeatable), e.g. --set df.nb_db_class=etcd.",
        Recursive = true,
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Config);
        root.Options.Add(Set);
    }

    /// <summary>Loads the configuration the command line names and reports ignored options on stderr.</summary>
    public static DragonflowConfig LoadConfig(ParseResult parse)
    {
        var config = ConfigLoader.Load(parse.GetValue(Config), parse.GetValue(Set));
        foreach (var warning in config.Warnings)
            Console.Error.WriteLine($"warning: {warning}");
        return config;
    }
}
