namespace Dragonflow.Server.Api;

/// <summary>The Neutron extensions this server implements (clients probe these before using an attribute).</summary>
static class Extensions
{
    public static IReadOnlyList<NeutronExtension> All { get; } =
    [
        new("external-net", "Neutron external network", "Adds external network attribute to network resource."),
        new("provider", "Provider Network", "Expose mapping of virtual networks to physical networks"),
        new("binding", "Port Binding", "Expose port bindings of a virtual port to external application"),
        new("security-group", "security-group", "The security groups extension."),
        new("security-groups-normalized-cidr", "Normalized CIDR field for security group rules", "Add new field with normalized remote_ip_prefix cidr in SG rule"),
        new("port-security", "Port Security", "Provides port security"),
        new("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"),
        new("net-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
        new("standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes"),
        new("standard-attr-revisions", "Resource revision numbers", "This extension will display the revision number of neutron resources."),
        new("standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes."),
        new("standard-attr-tag", "Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip", "Enables to set tag on resources with standard attribute."),
        new("project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled."),
        new("router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway."),
        new("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"),
        // enable_snat in external_gateway_info (names as neutron-lib's l3_ext_gw_mode definition).
        new("ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway"),
        new("rbac-policies", "RBAC Policies", "Allows creation and modification of policies that control tenant access to resources."),
        new("subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet pool"),
        new("address-scope", "Address scope", "Address scopes extension."),
        new("default-subnetpools", "Default Subnetpools", "Provides ability to mark and use a subnetpool as the default."),
        new("pagination", "Pagination support", "Extension that indicates that pagination is enabled."),
        new("sorting", "Sorting support", "Extension that indicates that sorting is enabled."),
        new("filter-validation", "Filter parameters validation", "Provides validation on filter parameters."),
        new("empty-string-filtering", "Empty String Filtering Extension", "Allow filtering by attributes with empty string value"),
        new("net-mtu-writable", "Network MTU (writable)", "Provides a writable MTU attribute for a network resource."),
        new("port-mac-address-regenerate", "Neutron Port MAC address regenerate", "Network port MAC address regenerate"),
        new("quotas", "Quota management support", "Expose functions for quotas management per project"),
        new("quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project"),
        new("fip-port-details", "Floating IP Port Details Extension", "Add port_details attribute to Floating IP resource"),
        new("extraroute-atomic", "Atomically add/remove extra routes", "Edit extra routes of a router on server side by atomically adding/removing extra routes"),
        new("network-ip-availability", "Network IP Availability", "Provides IP availability data for each network and subnet."),
        new("availability_zone", "Availability Zone", "The availability zone extension."),
        new("network_availability_zone", "Network Availability Zone", "Availability zone support for network."),
        new("router_availability_zone", "Router Availability Zone", "Availability zone support for router."),
        new("dvr", "Distributed Virtual Router", "Enables configuration of Distributed Virtual Routers."),
    ];
}
