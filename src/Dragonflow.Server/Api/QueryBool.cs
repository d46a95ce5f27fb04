using Dragonflow.Server.Errors;

namespace Dragonflow.Server.Api;

/// <summary>A boolean in a query string, read as Neutron's convert_to_boolean reads it.</summary>
static class QueryBool
{
    public static bool Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw NeutronErrors.InvalidInput($"'{text}' cannot be converted to boolean"),
    };
}
