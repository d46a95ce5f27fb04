using System.Text.Json.Nodes;
using Dragonflow.Model;

namespace Dragonflow.Server.Api;

/// <summary>Subnet pools and address scopes as Neutron v2.0 shows them.</summary>
static class PoolViews
{
    public static JsonObject SubnetPool(SubnetPool p)
    {
        var o = Views.Standard(p);
        o["ip_version"] = p.IpVersion;
        o["prefixes"] = Views.Strings(p.Prefixes);
        // Neutron shows the prefix lengths as strings (and takes them as either).
        o["default_prefixlen"] = Text(p.DefaultPrefixlen);
        o["min_prefixlen"] = Text(p.MinPrefixlen);
        o["max_prefixlen"] = Text(p.MaxPrefixlen);
        o["default_quota"] = p.DefaultQuota;
        o["shared"] = p.Shared;
        o["is_default"] = p.IsDefault;
        o["address_scope_id"] = p.AddressScopeId;
        return o;
    }

    static string Text(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static JsonObject AddressScope(AddressScope s)
    {
        var o = Views.Standard(s);
        o["ip_version"] = s.IpVersion;
        o["shared"] = s.Shared;
        return o;
    }
}
