using System.Text;

namespace Dragonflow.Configuration;

/// <summary>Renders the option catalogue as a commented INI file, every option at its default.</summary>
public static class SampleConfig
{
    public static string Render()
    {
        var text = new StringBuilder();
        text.AppendLine("# Dragonflow configuration. Every option is shown commented out at its default.");
        text.AppendLine("# Environment variables DRAGONFLOW_<SECTION>__<OPTION> and --set section.option=value override this file.");
        foreach (var section in OptionCatalog.All.GroupBy(o => o.Section))
        {
            text.AppendLine().AppendLine($"[{section.Key}]");
            foreach (var option in section)
            {
                text.AppendLine($"# {option.Help}");
                if (option.Choices is not null)
                    text.AppendLine($"# One of: {string.Join(", ", option.Choices)}.");
                text.AppendLine($"#{option.Name} = {option.Default ?? ""}");
            }
        }
        return text.ToString();
    }
}
