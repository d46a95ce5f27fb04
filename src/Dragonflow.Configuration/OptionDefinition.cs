namespace Dragonflow.Configuration;

/// <summary>
/// One known configuration option: where it lives, what it accepts, and its default.
/// The catalogue of these (<see cref="OptionCatalog"/>) drives parsing, validation,
/// the sample file and the unknown-option warnings. <paramref name="Aliases"/> maps the
/// names upstream Dragonflow used (Python class paths) to ours, so old files keep working.
/// A <paramref name="Secret"/> value (a password) is never printed.
/// </summary>
public sealed record OptionDefinition(
    string Section,
    string Name,
    OptionKind Kind,
    string? Default,
    string Help,
    IReadOnlyList<string>? Choices = null,
    int Min = int.MinValue,
    int Max = int.MaxValue,
    IReadOnlyDictionary<string, string>? Aliases = null,
    bool Secret = false)
{
    public string Key => $"{Section}.{Name}";
}
