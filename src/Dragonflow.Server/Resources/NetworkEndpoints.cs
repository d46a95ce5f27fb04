using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;

namespace Dragonflow.Server.Resources;

/// <summary>
/// /v2.0/networks. A network is an lswitch; its unique key (flow metadata) comes from the NB
/// counter and its segmentation id (the VNI) is claimed in the NB DB, requested or allocated.
/// </summary>
sealed class NetworkEndpoints(CorePlugin plugin) : ResourceEndpoints<LogicalSwitch>(plugin)
{
    static readonly string[] Attributes =
    [
        .. CommonAttributes, "admin_state_up", "shared", "mtu", "router:external", "provider:network_type",
        "provider:physical_network", "provider:segmentation_id", "port_security_enabled", "availability_zone_hints",
        "is_default", "dns_domain", "qos_policy_id",
    ];

    static readonly string[] NetworkTypes = ["vxlan", "geneve", "gre", "vlan", "flat", "local"];

    public override string Collection => "networks";
    public override string Member => "network";
    protected override string? QuotaResource => "network";
    protected override string Noun => "Network";

    public override JsonObject View(LogicalSwitch item) => Views.Network(item);

    static readonly string[] ProviderAttributes = ["provider:network_type", "provider:physical_network", "provider:segmentation_id"];

    protected override async Task<Func<JsonObject, bool>> ListFilterAsync(Caller caller)
    {
        var grants = await NetworkGrants.LoadAsync(Plugin.Nb);
        return tree => caller.Reads((string?)tree["project_id"]) || Grants(grants, tree, caller);
    }

    static bool Grants(NetworkGrants grants, JsonObject tree, Caller caller)
    {
        var id = (string?)tree["id"] ?? "";
        return grants.SharedWith(id, (bool?)tree["shared"] == true, caller.ProjectId)
            || grants.ExternalFor(id, (bool?)tree["router:external"] == true, caller.ProjectId);
    }

    protected override bool ViewDependsOnCaller => true;

    /// <summary>shared as it is for the caller (shared with everyone or with its project); provider:* for admins only.</summary>
    protected override async Task<Func<JsonObject, JsonObject?>?> ViewerAsync(Caller caller)
    {
        var grants = await NetworkGrants.LoadAsync(Plugin.Nb);
        return tree =>
        {
            var stored = (bool?)tree["shared"] == true;
            var shared = grants.SharedWith((string?)tree["id"] ?? "", stored, caller.ProjectId);
            if (caller.IsAdmin && shared == stored)
                return null;
            var copy = (JsonObject)tree.DeepClone();
            copy["shared"] = shared;
            if (!caller.IsAdmin)
                foreach (var a in ProviderAttributes)
                    copy.Remove(a);
            return copy;
        };
    }

    /// <summary>Attributes only admins may set (create_network:X, update_network:X = admin).</summary>
    static void CheckAdminAttributes(Caller caller, Input body, string verb)
    {
        if (caller.IsAdmin)
            return;
        // On create an attribute at its default is not checked, as Neutron's policy engine does.
        var creating = verb == "create";
        if (body.Has("shared") && (!creating || body.Bool("shared") == true))
            throw Access.Forbidden($"{verb}_network", "shared");
        if (body.Has("router:external"))
            throw Access.Forbidden($"{verb}_network", "router:external");
        if (body.Has("is_default") && (!creating || body.Bool("is_default") == true))
            throw Access.Forbidden($"{verb}_network", "is_default");
        foreach (var a in ProviderAttributes)
            if (body.Has(a))
                throw Access.Forbidden($"{verb}_network", a);
    }

    protected override async Task<LogicalSwitch> CreateAsync(Caller caller, Input body)
    {
        body.Only(Attributes);
        var net = new LogicalSwitch();
        FillCommon(net, caller, body);
        CheckAdminAttributes(caller, body, "create");
        net.AdminStateUp = body.Bool("admin_state_up") ?? true;
        net.Shared = body.Bool("shared") ?? false;
        net.RouterExternal = body.Bool("router:external") ?? false;
        net.PortSecurityEnabled = body.Bool("port_security_enabled") ?? true;
        net.IsDefault = net.RouterExternal && body.Bool("is_default") == true;
        if (net.IsDefault)
            await CheckNoOtherDefaultAsync(net.Id);
        net.AvailabilityZoneHints = AvailabilityZones.Hints(body);
        var type = body.String("provider:network_type") ?? Plugin.Options.DefaultNetworkType;
        if (!NetworkTypes.Contains(type))
            throw NeutronErrors.InvalidInput($"network_type value '{type}' not supported");
        var physnet = body.String("provider:physical_network");
        var requested = body.Int("provider:segmentation_id");
        if (type is "vlan" or "flat" && string.IsNullOrEmpty(physnet))
            throw NeutronErrors.InvalidInput($"physical_network required for {type} provider network");
        if (type is not ("vlan" or "flat") && physnet is not null)
            throw NeutronErrors.InvalidInput($"physical_network not allowed for {type} provider network");
        if (SegmentAllocatorRange(type) is { } range)
        {
            if (requested is { } r && (r < range.Min || r > range.Max))
                throw NeutronErrors.InvalidInput($"segmentation_id {r} out of range ({range.Min} through {range.Max})");
        }
        else if (requested is not null)
        {
            throw NeutronErrors.InvalidInput($"segmentation_id not allowed for {type} provider network");
        }
        if (type == "vlan" && requested is null && Plugin.Segments.AllocationRange(type, physnet) is null)
            throw NeutronErrors.InvalidInput($"segmentation_id required for VLAN provider network: physical network {physnet} has no VLAN range to allocate from");
        var mtu = body.Int("mtu", 68, 65535);
        net.NetworkType = type;
        net.PhysicalNetwork = type is "vlan" or "flat" ? physnet : null;
        net.Mtu = CheckMtu(mtu, type) ?? DefaultMtu(type);

        // Everything is valid: claim, then write; undo the claims if the write fails.
        var segmentPhysnet = type == "vlan" ? physnet : null;
        try
        {
            if (SegmentAllocatorRange(type) is not null)
            {
                if (requested is { } id)
                {
                    await Plugin.Segments.ClaimAsync(type, segmentPhysnet, id, net.Id);
                    net.SegmentationId = id;
                }
                else
                {
                    net.SegmentationId = await Plugin.Segments.AllocateAsync(type, segmentPhysnet, net.Id);
                }
            }
            if (type == "flat") await Plugin.Segments.ClaimFlatAsync(physnet!, net.Id);
            net.UniqueKey = await Plugin.Nb.AllocateUniqueKeyAsync<LogicalSwitch>();
            var created = await Plugin.Nb.CreateAsync(net);
            // Neutron keeps shared and router:external as policies for everyone.
            if (net.Shared)
                await NetworkRbac.AddAsync(Plugin, net.Topic!, net.Id, RbacPolicy.AccessAsShared, RbacPolicy.Everyone);
            if (net.RouterExternal)
                await NetworkRbac.AddAsync(Plugin, net.Topic!, net.Id, RbacPolicy.AccessAsExternal, RbacPolicy.Everyone);
            return created;
        }
        catch (Exception e)
        {
            await Plugin.UndoCreateAsync<LogicalSwitch>(net.Id);
            await NetworkRbac.UndoAllOfAsync(Plugin, net.Id);
            if (net.SegmentationId is { } s)
                await Plugin.Segments.ReleaseAsync(type, segmentPhysnet, s, net.Id);
            if (type == "flat")
                await Plugin.Segments.ReleaseFlatAsync(physnet!, net.Id);
            if (e is NbBackendUnavailableException)
                await Plugin.Segments.ReleaseAllOfAsync(net.Id); // a claim whose answer was lost
            throw;
        }
    }

    static (int Min, int Max)? SegmentAllocatorRange(string type) => Ipam.SegmentAllocator.RangeOf(type);

    static int DefaultMtu(string type) => type switch
    {
        "vxlan" => 1450,
        "geneve" => 1442,
        "gre" => 1458,
        _ => 1500,
    };

    /// <summary>As ML2: no MTU above what the network type carries (net-mtu-writable).</summary>
    static int? CheckMtu(int? mtu, string type) =>
        mtu > DefaultMtu(type) ? throw NeutronErrors.InvalidInput($"Requested MTU is too big, maximum is {DefaultMtu(type)}") : mtu;

    protected override async Task<LogicalSwitch> UpdateAsync(Caller caller, LogicalSwitch net, Input body)
    {
        body.Only(Attributes);
        CheckAdminAttributes(caller, body, "update");
        body.ReadOnly(ProviderAttributes).ReadOnly("availability_zone_hints");
        UpdateCommon(net, body);
        if (body.Bool("admin_state_up") is { } up) net.AdminStateUp = up;
        if (body.Bool("port_security_enabled") is { } ps) net.PortSecurityEnabled = ps;
        if (CheckMtu(body.Int("mtu", 68, 65535), net.NetworkType ?? "") is { } mtu) net.Mtu = mtu;
        var shared = body.Bool("shared");
        var external = body.Bool("router:external");
        var grants = await NetworkGrants.LoadAsync(Plugin.Nb);
        var everyone = grants.Of(net.Id).FirstOrDefault(p => p.Action == RbacPolicy.AccessAsShared && p.TargetTenant == RbacPolicy.Everyone);
        if (shared == false && (net.Shared || everyone is not null))
            await NetworkRbac.CheckUnsharingAsync(Plugin, net, grants);
        if (external == false && net.RouterExternal)
            await NetworkRbac.CheckNoGatewaysAsync(Plugin, net);
        // Policies for everyone first when granting, last when taking back: a failure in
        // between leaves the network at most as open as either the old or the new request.
        if (shared == true && everyone is null)
            await NetworkRbac.AddAsync(Plugin, net.Topic!, net.Id, RbacPolicy.AccessAsShared, RbacPolicy.Everyone);
        // (A retry after a conflicting write finds the policy it added the first time.)
        if (external == true && !net.RouterExternal
            && !grants.Of(net.Id).Any(p => p.Action == RbacPolicy.AccessAsExternal && p.TargetTenant == RbacPolicy.Everyone))
            await NetworkRbac.AddAsync(Plugin, net.Topic!, net.Id, RbacPolicy.AccessAsExternal, RbacPolicy.Everyone);
        if (shared is { } s) net.Shared = s;
        if (external is { } x) net.RouterExternal = x;
        // is_default is kept with the network's external state (Neutron's externalnetworks row).
        if (body.Bool("is_default") is { } isDefault && net.RouterExternal)
        {
            if (isDefault && !net.IsDefault)
                await CheckNoOtherDefaultAsync(net.Id);
            net.IsDefault = isDefault;
        }
        if (!net.RouterExternal) net.IsDefault = false;
        var updated = await Plugin.Nb.UpdateAsync(net);
        if (shared == false && everyone is not null)
            await NetworkRbac.RemoveAsync(Plugin, [everyone]);
        if (external == false)
            await NetworkRbac.RemoveAsync(Plugin, grants.Of(net.Id).Where(p => p.Action == RbacPolicy.AccessAsExternal));
        return updated;
    }

    /// <summary>Only one external network is the default (auto-allocated-topology's is_default).</summary>
    async Task CheckNoOtherDefaultAsync(string networkId)
    {
        if ((await Plugin.Nb.ListAsync<LogicalSwitch>()).Items.FirstOrDefault(n => n.IsDefault && n.Id != networkId) is { } other)
            throw NeutronErrors.Conflict("DefaultExternalNetworkExists", $"Default external network {other.Id} already exists");
    }

    protected override async Task DeleteAsync(Caller caller, LogicalSwitch net)
    {
        // Floating IPs not associated with any port go with their network, as in Neutron; any other port keeps it.
        var idle = (await Plugin.Nb.ListAsync<FloatingIp>()).Items.Where(f => f.FloatingNetworkId == net.Id && f.Lport is null).ToList();
        var idlePorts = idle.Select(f => f.FloatingLport).OfType<string>().ToHashSet();
        var ports = await Plugin.Reservations.ClaimedAsync(Ipam.Reservations.NetworkPortTable, net.Id);
        if (ports.Any(p => !idlePorts.Contains(p)))
            throw NeutronErrors.InUse("NetworkInUse",
                $"Unable to complete operation on network {net.Id}. There are one or more ports still in use on the network.");
        foreach (var fip in idle)
            await FloatingIpEndpoints.RemoveAsync(Plugin, fip);
        foreach (var subnetId in net.Subnets)
        {
            if (await Plugin.Nb.TryGetAsync<LogicalSubnet>(subnetId) is { } subnet)
                await SubnetEndpoints.RemoveAsync(Plugin, subnet);
        }
        var segments = Plugin.Segments;
        var plugin = Plugin;
        await Plugin.DeleteThenAsync<LogicalSwitch>(net.Id, null, async () =>
        {
            await NetworkRbac.UndoAllOfAsync(plugin, net.Id);
            if (net.SegmentationId is { } s && net.NetworkType is { } type && SegmentAllocatorRange(type) is not null)
                await segments.ReleaseAsync(type, type == "vlan" ? net.PhysicalNetwork : null, s, net.Id);
            if (net.NetworkType == "flat" && net.PhysicalNetwork is { } physnet)
                await segments.ReleaseFlatAsync(physnet, net.Id);
        });
    }
}
