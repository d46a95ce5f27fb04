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
    protected override string Noun => "Network";

    public override JsonObject View(LogicalSwitch item) => Views.Network(item);

    protected override Task<Func<JsonObject, bool>> ListFilterAsync(Caller caller) =>
        Task.FromResult<Func<JsonObject, bool>>(tree =>
            (string?)tree["project_id"] == caller.ProjectId || (bool?)tree["shared"] == true || (bool?)tree["router:external"] == true);

    protected override async Task<LogicalSwitch> CreateAsync(Caller caller, Input body)
    {
        body.Only(Attributes);
        var net = new LogicalSwitch();
        FillCommon(net, caller, body);
        net.AdminStateUp = body.Bool("admin_state_up") ?? true;
        net.Shared = body.Bool("shared") ?? false;
        net.RouterExternal = body.Bool("router:external") ?? false;
        net.PortSecurityEnabled = body.Bool("port_security_enabled") ?? true;
        _ = body.Bool("is_default");
        _ = body.StringList("availability_zone_hints");
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
        net.Mtu = mtu ?? DefaultMtu(type);

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
            return await Plugin.Nb.CreateAsync(net);
        }
        catch (Exception e)
        {
            await Plugin.UndoCreateAsync<LogicalSwitch>(net.Id);
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

    protected override async Task<LogicalSwitch> UpdateAsync(Caller caller, LogicalSwitch net, Input body)
    {
        body.Only(Attributes).ReadOnly("provider:network_type", "provider:physical_network", "provider:segmentation_id");
        UpdateCommon(net, body);
        if (body.Bool("admin_state_up") is { } up) net.AdminStateUp = up;
        if (body.Bool("shared") is { } shared) net.Shared = shared;
        if (body.Bool("router:external") is { } external) net.RouterExternal = external;
        if (body.Bool("port_security_enabled") is { } ps) net.PortSecurityEnabled = ps;
        if (body.Int("mtu", 68, 65535) is { } mtu) net.Mtu = mtu;
        return await Plugin.Nb.UpdateAsync(net);
    }

    protected override async Task DeleteAsync(Caller caller, LogicalSwitch net)
    {
        var ports = await Plugin.Reservations.ClaimedAsync(Ipam.Reservations.NetworkPortTable, net.Id);
        if (ports.Count > 0)
            throw NeutronErrors.InUse("NetworkInUse",
                $"Unable to complete operation on network {net.Id}. There are one or more ports still in use on the network.");
        foreach (var subnetId in net.Subnets)
        {
            if (await Plugin.Nb.TryGetAsync<LogicalSubnet>(subnetId) is { } subnet)
                await SubnetEndpoints.RemoveAsync(Plugin, subnet);
        }
        var segments = Plugin.Segments;
        await Plugin.DeleteThenAsync<LogicalSwitch>(net.Id, null, async () =>
        {
            if (net.SegmentationId is { } s && net.NetworkType is { } type && SegmentAllocatorRange(type) is not null)
                await segments.ReleaseAsync(type, type == "vlan" ? net.PhysicalNetwork : null, s, net.Id);
            if (net.NetworkType == "flat" && net.PhysicalNetwork is { } physnet)
                await segments.ReleaseFlatAsync(physnet, net.Id);
        });
    }
}
