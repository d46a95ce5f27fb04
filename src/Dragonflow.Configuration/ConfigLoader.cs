using System.Collections;
using Microsoft.Extensions.Configuration;

namespace Dragonflow.Configuration;

/// <summary>
/// Builds a <see cref="DragonflowConfig"/> from, in rising precedence: the catalogue's defaults,
/// the INI file, environment variables <c>DRAGONFLOW_&lt;SECTION&gt;__&lt;OPTION&gt;</c>, and
/// <c>--set section.option=value</c> flags. An unknown option is a warning, not an error: as with
/// oslo.config, one file is often shared by several services that each know only their part.
/// </summary>
public static class ConfigLoader
{
    public const string EnvironmentPrefix = "DRAGONFLOW_";

    public static DragonflowConfig Load(string? file, IEnumerable<string>? sets = null, IDictionary? environment = null)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var warnings = new List<string>();
        foreach (var option in OptionCatalog.All)
            if (option.Default is not null)
                values[option.Key] = option.Default;

        if (file is not null)
            foreach (var (section, name, value) in ReadIni(file))
                Apply(section, name, value, $"file {file}", values, warnings);

        environment ??= Environment.GetEnvironmentVariables();
        foreach (DictionaryEntry entry in environment)
        {
            var variable = (string)entry.Key;
            if (!variable.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                continue;
            var parts = variable[EnvironmentPrefix.Length..].Split("__", 2);
            if (parts.Length != 2)
                continue;
            Apply(parts[0], parts[1], (string?)entry.Value ?? "", $"environment {variable}", values, warnings);
        }

        foreach (var set in sets ?? [])
        {
            var eq = set.IndexOf('=');
            var dot = eq > 0 ? set.LastIndexOf('.', eq) : -1;
            if (eq <= 0 || dot <= 0)
                throw new ConfigException($"--set '{set}' must look like section.option=value (e.g. df.nb_db_class=etcd)");
            Apply(set[..dot], set[(dot + 1)..eq], set[(eq + 1)..], "--set", values, warnings);
        }
        return new DragonflowConfig(values, warnings, file);
    }

    static void Apply(string section, string name, string value, string origin,
        Dictionary<string, string> values, List<string> warnings)
    {
        var option = OptionCatalog.Find(section, name);
        if (option is null)
        {
            warnings.Add($"unknown option [{section}] {name} ({origin}) ignored");
            return;
        }
        values[option.Key] = OptionValidator.Normalize(option, value, origin);
    }

    static IEnumerable<(string Section, string Name, string Value)> ReadIni(string file)
    {
        if (!File.Exists(file))
            throw new ConfigException($"configuration file {file} not found");
        IConfigurationRoot root;
        try
        {
            root = new ConfigurationBuilder().AddIniFile(Path.GetFullPath(file), optional: false).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new ConfigException($"configuration file {file} cannot be read: {e.Message}");
        }
        foreach (var pair in root.AsEnumerable())
        {
            if (pair.Value is null)
                continue;
            var colon = pair.Key.IndexOf(':');
            if (colon < 0)
                yield return (OptionCatalog.Default, pair.Key, pair.Value);
            else
                yield return (pair.Key[..colon], pair.Key[(colon + 1)..], pair.Value);
        }
    }
}
