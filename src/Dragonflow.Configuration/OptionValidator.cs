using System.Globalization;
using System.Net;

namespace Dragonflow.Configuration;

/// <summary>Checks and normalises one option's text according to its <see cref="OptionKind"/>.</summary>
static class OptionValidator
{
    /// <summary>Returns the normalised text, or throws <see cref="ConfigException"/> naming the option.</summary>
    public static string Normalize(OptionDefinition option, string raw, string origin)
    {
        var value = raw.Trim();
        string? problem = option.Kind switch
        {
            OptionKind.Integer => CheckInteger(option, value),
            OptionKind.Boolean => ParseBoolean(value) is null ? "must be true or false" : null,
            OptionKind.Choice => CheckChoice(option, ref value),
            OptionKind.IpAddress => IPAddress.TryParse(value, out _) ? null : "must be an IP address",
            OptionKind.Endpoint => TryParseEndpoint(value, out _, out _, anyPort: true) ? null : "must be host:port (port 0 picks a free one)",
            OptionKind.EndpointList => SplitList(value).All(e => TryParseEndpoint(e, out _, out _)) && SplitList(value).Count > 0
                ? null : "must be a comma-separated list of host:port",
            OptionKind.Connection => CheckConnection(value),
            OptionKind.Url => Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                ? null : "must be an absolute http:// or https:// URL",
            _ => null,
        };
        if (problem is not null)
            throw new ConfigException($"invalid value '{raw}' for option [{option.Section}] {option.Name} ({origin}): {problem}");
        if (option.Kind == OptionKind.Boolean)
            value = ParseBoolean(value)!.Value ? "true" : "false";
        return value;
    }

    public static bool? ParseBoolean(string value) => value.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => null,
    };

    public static List<string> SplitList(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>host:port; <paramref name="anyPort"/> admits port 0, which a listener takes as "any free port".</summary>
    public static bool TryParseEndpoint(string text, out string host, out int port, bool anyPort = false)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
            return false;
        host = text[..colon].Trim('[', ']');
        return host.Length > 0
            && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port)
            && port <= 65535 && (port > 0 || anyPort);
    }

    static string? CheckInteger(OptionDefinition option, string value)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            return "must be an integer";
        if (n < option.Min || n > option.Max)
            return option.Max == int.MaxValue ? $"must be at least {option.Min}" : $"must be from {option.Min} to {option.Max}";
        return null;
    }

    static string? CheckChoice(OptionDefinition option, ref string value)
    {
        if (option.Aliases is not null && option.Aliases.TryGetValue(value, out var alias))
            value = alias;
        var lowered = value.ToLowerInvariant();
        if (option.Choices!.Contains(lowered))
        {
            value = lowered;
            return null;
        }
        return "must be one of " + string.Join(", ", option.Choices!);
    }

    static string? CheckConnection(string value)
    {
        if (value.StartsWith("unix:", StringComparison.Ordinal) && value.Length > 5)
            return null;
        if (value.StartsWith("tcp:", StringComparison.Ordinal) && TryParseEndpoint(value[4..], out var host, out _)
            && IPAddress.TryParse(host, out _))
            return null;
        return "must be unix:PATH or tcp:IP:PORT";
    }
}
