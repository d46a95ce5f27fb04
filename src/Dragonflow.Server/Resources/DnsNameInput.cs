using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;

namespace Dragonflow.Server.Resources;

/// <summary>
/// A port's dns_name, checked as Neutron checks it: a host name (PQDN) or a fully qualified name
/// ending in a dot, of labels of letters, digits and hyphens, 1-63 characters each, not starting
/// or ending with a hyphen; the whole at most 255 characters and its last label not all digits.
/// </summary>
static class DnsNameInput
{
    const int MaxLength = 255, MaxLabel = 63;

    /// <summary>The name in the body, or null when absent; "" clears it.</summary>
    public static string? From(Input body)
    {
        if (body.String("dns_name", MaxLength) is not { } name)
            return null;
        if (name.Length == 0)
            return "";
        var labels = name.TrimEnd('.').Split('.');
        foreach (var label in labels)
        {
            if (label.Length is 0 or > MaxLabel)
                throw Invalid(name, $"Encountered an empty component or one longer than {MaxLabel} characters");
            if (label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                throw Invalid(name, "Components may contain only a-z, 0-9 and '-', and may not start or end with '-'");
        }
        if (labels.Length > 1 && labels[^1].All(char.IsAsciiDigit))
            throw Invalid(name, "The last component may not be entirely numeric");
        return name;
    }

    static NeutronException Invalid(string name, string reason) =>
        NeutronErrors.BadRequest($"'{name}' not a valid PQDN or FQDN. Reason: {reason}");
}
