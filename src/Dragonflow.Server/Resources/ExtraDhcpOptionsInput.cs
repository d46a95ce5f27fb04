using System.Text.Json;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;

namespace Dragonflow.Server.Resources;

/// <summary>
/// A port's extra_dhcp_opts as Neutron's extension takes them: a list of {opt_name, opt_value,
/// ip_version}. On create a null value is ignored; on update the list is merged into the port's
/// (same name and version: replaced; null value: removed), as Neutron's plugin does.
/// </summary>
static class ExtraDhcpOptionsInput
{
    public const int MaxValueLength = 255;

    /// <summary>The options of a create, or null when the body has none.</summary>
    public static List<ExtraDhcpOption>? ForCreate(Input body) =>
        Parse(body)?.Where(o => o.Value is not null).Select(o => new ExtraDhcpOption(o.Name, o.Value!, o.IpVersion)).ToList();

    /// <summary>The port's options after an update, or null when the body has none.</summary>
    public static List<ExtraDhcpOption>? ForUpdate(Input body, IReadOnlyList<ExtraDhcpOption> current)
    {
        if (Parse(body) is not { } changes)
            return null;
        var merged = current.ToList();
        foreach (var (name, value, version) in changes)
        {
            merged.RemoveAll(o => o.OptName == name && o.IpVersion == version);
            if (value is not null)
                merged.Add(new ExtraDhcpOption(name, value, version));
        }
        return merged;
    }

    static List<(string Name, string? Value, int IpVersion)>? Parse(Input body)
    {
        if (body.Array("extra_dhcp_opts") is not { } array)
            return null;
        var list = new List<(string, string?, int)>();
        foreach (var node in array)
        {
            var item = Input.Item(node, "extra dhcp option").Only(["opt_name", "opt_value", "ip_version"]);
            var name = item.String("opt_name")?.Trim();
            if (string.IsNullOrEmpty(name))
                throw NeutronErrors.InvalidInput($"Invalid data format for extra-dhcp-opt: {node?.ToJsonString(ApiJson.Options)}: opt_name is required");
            var value = item.String("opt_value", MaxValueLength);
            if (value is not null && (value.Length == 0 || value.Any(char.IsControl)))
                throw NeutronErrors.InvalidInput($"Invalid data format for extra-dhcp-opt: '{value}' is not a valid value for {name}");
            var version = IpVersion(item.Body["ip_version"]);
            if (list.Any(o => o.Item1 == name && o.Item3 == version))
                throw NeutronErrors.InvalidInput($"Duplicate extra-dhcp-opt {name} for IPv{version}");
            list.Add((name, value, version));
        }
        return list;
    }

    /// <summary>4 or 6 (a number or its text); absent means 4.</summary>
    static int IpVersion(JsonNode? node)
    {
        if (node is null)
            return 4;
        if (node is JsonValue v)
        {
            if (v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) && n is 4 or 6)
                return n;
            if (v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is "4" or "6")
                return int.Parse(v.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        }
        throw NeutronErrors.InvalidInput($"'{node.ToJsonString(ApiJson.Options)}' is not in [4, 6]");
    }
}
