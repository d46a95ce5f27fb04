using System.Globalization;
using System.Text.Json.Nodes;
using Dragonflow.Model;

namespace Dragonflow.Server.Api;

/// <summary>NB objects as Neutron v2.0 shows them (attribute names and shapes are the API contract).</summary>
static class Views
{
    static string? Time(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static JsonArray Strings(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

    /// <summary>A view holding the attributes every standard resource shows.</summary>
    public static JsonObject Standard(NeutronResource r)
    {
        var o = new JsonObject();
        Common(o, r);
        return o;
    }

    static void Common(JsonObject o, NeutronResource r)
    {
        o["id"] = r.Id;
        o["name"] = r.Name ?? "";
        o["description"] = r.Description ?? "";
        o["project_id"] = r.Topic;
        o["tenant_id"] = r.Topic;
        o["tags"] = Strings(r.Tags);
        o["created_at"] = Time(r.CreatedAt);
        o["updated_at"] = Time(r.UpdatedAt);
        o["revision_number"] = r.Version;
    }

    public static JsonObject Network(LogicalSwitch n)
    {
        var o = new JsonObject();
        Common(o, n);
        o["admin_state_up"] = n.AdminStateUp;
        o["status"] = n.Status;
        o["shared"] = n.Shared;
        o["mtu"] = n.Mtu;
        o["router:external"] = n.RouterExternal;
        o["provider:network_type"] = n.NetworkType;
        o["provider:physical_network"] = n.PhysicalNetwork;
        o["provider:segmentation_id"] = n.SegmentationId;
        o["port_security_enabled"] = n.PortSecurityEnabled;
        o["subnets"] = Strings(n.Subnets);
        o["availability_zone_hints"] = Strings(n.AvailabilityZoneHints);
        o["availability_zones"] = AvailabilityZones.Of();
        o["ipv4_address_scope"] = null;
        o["ipv6_address_scope"] = null;
        o["is_default"] = n.IsDefault;
        return o;
    }

    public static JsonObject Subnet(LogicalSubnet s)
    {
        var o = new JsonObject();
        Common(o, s);
        o["network_id"] = s.Lswitch;
        o["ip_version"] = s.IpVersion;
        o["cidr"] = s.Cidr;
        o["gateway_ip"] = s.GatewayIp;
        o["enable_dhcp"] = s.EnableDhcp;
        o["dns_nameservers"] = Strings(s.DnsNameservers);
        o["host_routes"] = new JsonArray(s.HostRoutes.Select(r => (JsonNode?)new JsonObject { ["destination"] = r.Destination, ["nexthop"] = r.Nexthop }).ToArray());
        o["allocation_pools"] = new JsonArray(s.AllocationPools.Select(p => (JsonNode?)new JsonObject { ["start"] = p.Start, ["end"] = p.End }).ToArray());
        o["ipv6_ra_mode"] = s.Ipv6RaMode;
        o["ipv6_address_mode"] = s.Ipv6AddressMode;
        o["subnetpool_id"] = s.SubnetpoolId;
        o["service_types"] = new JsonArray();
        o["segment_id"] = null;
        return o;
    }

    public static JsonObject Port(LogicalPort p)
    {
        var o = new JsonObject();
        Common(o, p);
        o["network_id"] = p.Lswitch;
        o["mac_address"] = p.Macs.FirstOrDefault() ?? "";
        o["fixed_ips"] = new JsonArray(p.Ips.Select(i => (JsonNode?)new JsonObject { ["subnet_id"] = i.SubnetId, ["ip_address"] = i.IpAddress }).ToArray());
        o["admin_state_up"] = p.Enabled;
        o["status"] = p.Status;
        o["device_owner"] = p.DeviceOwner;
        o["device_id"] = p.DeviceId;
        o["binding:host_id"] = p.BindingHostId ?? "";
        o["binding:vnic_type"] = p.BindingVnicType;
        o["binding:vif_type"] = p.Chassis is null && string.IsNullOrEmpty(p.BindingHostId) ? "unbound" : "ovs";
        o["binding:vif_details"] = new JsonObject();
        o["binding:profile"] = new JsonObject();
        o["security_groups"] = Strings(p.SecurityGroups);
        o["port_security_enabled"] = p.PortSecurityEnabled;
        o["allowed_address_pairs"] = new JsonArray(p.AllowedAddressPairs.Select(a => (JsonNode?)new JsonObject
        {
            ["ip_address"] = a.IpAddress,
            ["mac_address"] = a.MacAddress ?? p.Macs.FirstOrDefault(),
        }).ToArray());
        o["extra_dhcp_opts"] = new JsonArray(p.ExtraDhcpOpts.Select(x => (JsonNode?)new JsonObject
        {
            ["opt_name"] = x.OptName,
            ["opt_value"] = x.OptValue,
            ["ip_version"] = x.IpVersion,
        }).ToArray());
        o["dns_name"] = p.DnsName;
        return o;
    }

    public static JsonObject Router(LogicalRouter r)
    {
        var o = new JsonObject();
        Common(o, r);
        o["admin_state_up"] = r.AdminStateUp;
        o["status"] = r.Status;
        o["distributed"] = r.Distributed;
        o["ha"] = false;
        o["routes"] = new JsonArray(r.Routes.Select(x => (JsonNode?)new JsonObject { ["destination"] = x.Destination, ["nexthop"] = x.Nexthop }).ToArray());
        o["external_gateway_info"] = r.ExternalGatewayInfo is { } g
            ? new JsonObject
            {
                ["network_id"] = g.NetworkId,
                ["enable_snat"] = g.EnableSnat,
                ["external_fixed_ips"] = new JsonArray(g.ExternalFixedIps.Select(i => (JsonNode?)new JsonObject { ["subnet_id"] = i.SubnetId, ["ip_address"] = i.IpAddress }).ToArray()),
            }
            : null;
        o["availability_zone_hints"] = Strings(r.AvailabilityZoneHints);
        o["availability_zones"] = AvailabilityZones.Of();
        return o;
    }

    public static JsonObject FloatingIp(FloatingIp f)
    {
        var o = new JsonObject();
        Common(o, f);
        o["floating_ip_address"] = f.FloatingIpAddress;
        o["floating_network_id"] = f.FloatingNetworkId;
        o["port_id"] = f.Lport;
        o["fixed_ip_address"] = f.FixedIpAddress;
        o["router_id"] = f.Lrouter;
        o["status"] = f.Status;
        o["port_details"] = null;
        o["dns_domain"] = "";
        o["dns_name"] = "";
        o["qos_policy_id"] = null;
        return o;
    }

    public static JsonObject SecurityGroup(SecurityGroup g)
    {
        var o = new JsonObject();
        Common(o, g);
        o["stateful"] = g.Stateful;
        o["security_group_rules"] = new JsonArray(g.Rules.Select(r => (JsonNode?)Rule(g, r)).ToArray());
        return o;
    }

    public static JsonObject Rule(SecurityGroup g, SecurityGroupRule r) => new()
    {
        ["id"] = r.Id,
        ["security_group_id"] = g.Id,
        ["project_id"] = r.Topic ?? g.Topic,
        ["tenant_id"] = r.Topic ?? g.Topic,
        ["description"] = r.Description ?? "",
        ["direction"] = r.Direction,
        ["ethertype"] = r.Ethertype,
        ["protocol"] = r.Protocol,
        ["port_range_min"] = r.PortRangeMin,
        ["port_range_max"] = r.PortRangeMax,
        ["remote_ip_prefix"] = r.RemoteIpPrefix,
        ["remote_group_id"] = r.RemoteGroupId,
        ["remote_address_group_id"] = null,
        ["normalized_cidr"] = Ipam.RemoteIpPrefix.TryParse(r.RemoteIpPrefix)?.Normalized,
        ["tags"] = new JsonArray(),
        ["created_at"] = Time(r.CreatedAt),
        ["updated_at"] = Time(r.UpdatedAt),
        ["revision_number"] = r.Version,
    };
}
