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
        o["default_prefixlen"] = p.DefaultPrefixlen;
        o["min_prefixlen"] = p.MinPrefixlen;
        o["max_prefixlen"] = p.MaxPrefixlen;
        o["default_quota"] = p.DefaultQuota;
        o["shared"] = p.Shared;
        o["is_default"] = p.IsDefault;
        o["address_scope_id"] = p.AddressScopeId;
        return o;
    }

    public static JsonObject AddressScope(AddressScope s)
    {
        var o = Views.Standard(s);
        o["ip_version"] = s.IpVersion;
        o["shared"] = s.Shared;
        return o;
    }
}
