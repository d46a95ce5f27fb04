using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;
using Dragonflow.Server.Ipam;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Routing;

namespace Dragonflow.Server.Resources;

/// <summary>
/// /v2.0/routers with add_router_interface / remove_router_interface, external_gateway_info and
/// extra routes. An interface is an lport (device_owner network:router_interface) plus an
/// entry in the lrouter's ports; the gateway is an lport on the external network.
/// </summary>
sealed partial class RouterEndpoints(CorePlugin plugin) : ResourceEndpoints<LogicalRouter>(plugin)
{
    static readonly string[] Attributes =
    [
        .. CommonAttributes, "admin_state_up", "external_gateway_info", "routes", "distributed", "ha",
        "availability_zone_hints", "flavor_id",
    ];

    public override string Collection => "routers";
    public override string Member => "router";
    protected override string? QuotaResource => "router";
    protected override string Noun => "Router";

    public override JsonObject View(LogicalRouter item) => Views.Router(item);

    /// <summary>get_router:distributed, get_router:ha = admin.</summary>
    protected override string[] AdminOnlyAttributes => ["distributed", "ha"];

    /// <summary>Attributes only admins may set: distributed, ha, the gateway's enable_snat and external_fixed_ips.</summary>
    static void CheckAdminAttributes(Caller caller, Input body, string verb)
    {
        if (caller.IsAdmin)
            return;
        foreach (var a in new[] { "distributed", "ha" })
            if (body.Has(a))
                throw Access.Forbidden($"{verb}_router", a);
        if (body.Body["external_gateway_info"] is JsonObject gateway)
            foreach (var a in new[] { "enable_snat", "external_fixed_ips" })
                if (gateway.ContainsKey(a))
                    throw Access.Forbidden($"{verb}_router", "external_gateway_info", a);
    }

    public override void Map(IEndpointRouteBuilder app, string defaultProject)
    {
        base.Map(app, defaultProject);
        app.MapPut("/v2.0/routers/{id}/add_router_interface", async (HttpContext ctx, string id) =>
        {
            var caller = Caller.Of(ctx, defaultProject);
            var router = await GetAsync(caller, id, "add_router_interface");
            var added = await AddInterfaceAsync(caller, router, new Input(await RequestBody.ReadObjectAsync(ctx.Request)));
            LogInterface(router, added, "added");
            return Results.Json(added);
        });
        MapExtraRoutes(app, defaultProject);
        app.MapPut("/v2.0/routers/{id}/remove_router_interface", async (HttpContext ctx, string id) =>
        {
            var caller = Caller.Of(ctx, defaultProject);
            var router = await GetAsync(caller, id, "remove_router_interface");
            var removed = await RemoveInterfaceAsync(router, new Input(await RequestBody.ReadObjectAsync(ctx.Request)));
            LogInterface(router, removed, "removed");
            return Results.Json(removed);
        });
    }

    /// <summary>Neutron's interface info (router id, port_id, subnet_id, network_id) as the log line's ids.</summary>
    void LogInterface(LogicalRouter router, JsonObject info, string what)
    {
        if (!Plugin.Log.IsEnabled(LogLevel.Information)) return;
        using (Plugin.Log.BeginScope(new Dragonflow.NorthDb.Observability.LogIds(("RouterId", router.Id), ("PortId", (string?)info["port_id"]),
            ("SubnetId", (string?)info["subnet_id"]), ("NetworkId", (string?)info["network_id"]), ("ProjectId", router.Topic))))
            Plugin.Log.LogInformation("router {Id} interface {PortId} {Action}", router.Id, (string?)info["port_id"], what);
    }

    protected override async Task<LogicalRouter> CreateAsync(Caller caller, Input body)
    {
        body.Only(Attributes);
        var router = new LogicalRouter();
        FillCommon(router, caller, body);
        CheckAdminAttributes(caller, body, "create");
        router.AdminStateUp = body.Bool("admin_state_up") ?? true;
        router.Distributed = body.Bool("distributed") ?? true;
        if (body.Bool("ha") == true)
            throw NeutronErrors.BadRequest("HA routers are not supported; routers are distributed");
        router.AvailabilityZoneHints = AvailabilityZones.Hints(body);
        _ = body.String("flavor_id");
        // extraroute's routes are allow_post False in Neutron: set them once the router has interfaces.
        if (body.Has("routes"))
            throw NeutronErrors.BadRequest("Attribute 'routes' not allowed in POST");
        var gateway = GatewayRequest(body);
        router.UniqueKey = await Plugin.Nb.AllocateUniqueKeyAsync<LogicalRouter>();
        LogicalPort? gatewayPort = null;
        if (gateway is not null)
            (router.ExternalGatewayInfo, gatewayPort) = await CreateGatewayAsync(caller, router, gateway.Value);
        try
        {
            return await Plugin.Nb.CreateAsync(router);
        }
        catch
        {
            // The router may have landed although its answer was lost: it goes first, then its gateway.
            await Plugin.UndoCreateAsync<LogicalRouter>(router.Id);
            if (gatewayPort is not null)
                await PortEndpoints.UndoPortAsync(Plugin, gatewayPort);
            throw;
        }
    }

    /// <summary>external_gateway_info: null/{} means none; else network_id, enable_snat, external_fixed_ips.</summary>
    static (string NetworkId, bool EnableSnat, List<PortEndpoints.FixedIpRequest>? Ips)? GatewayRequest(Input body)
    {
        if (!body.Has("external_gateway_info") || body.Body["external_gateway_info"] is null)
            return null;
        var info = Input.Item(body.Body["external_gateway_info"], "external_gateway_info").Only(["network_id", "enable_snat", "external_fixed_ips", "qos_policy_id"]);
        if (info.Body.Count == 0)
            return null;
        var networkId = info.RequiredString("network_id");
        List<PortEndpoints.FixedIpRequest>? ips = null;
        if (info.Array("external_fixed_ips") is { } array)
        {
            ips = [];
            foreach (var node in array)
            {
                var item = Input.Item(node, "external fixed ip").Only(["subnet_id", "ip_address"]);
                var subnetId = item.String("subnet_id");
                var ip = item.Ip("ip_address");
                if (subnetId is null && ip is null)
                    throw NeutronErrors.InvalidInput("external_fixed_ips requires subnet_id or ip_address");
                ips.Add(new PortEndpoints.FixedIpRequest(subnetId, ip));
            }
        }
        return (networkId, info.Bool("enable_snat") ?? true, ips);
    }

    async Task<(ExternalGatewayInfo, LogicalPort)> CreateGatewayAsync(Caller caller, LogicalRouter router, (string NetworkId, bool EnableSnat, List<PortEndpoints.FixedIpRequest>? Ips) request)
    {
        var net = await Access.FindAsync<LogicalSwitch>(Plugin, caller, request.NetworkId, "Network");
        if (!net.RouterExternal)
            throw NeutronErrors.BadRequest($"Bad router request: Network {net.Id} is not a valid external network.");
        var port = new LogicalPort
        {
            Id = Guid.NewGuid().ToString(), Topic = router.Topic, Lswitch = net.Id, DeviceOwner = DeviceOwners.RouterGateway,
            DeviceId = router.Id, PortSecurityEnabled = false, Name = "",
        };
        port = await PortEndpoints.CreatePortAsync(Plugin, port, net, null, request.Ips);
        var info = new ExternalGatewayInfo { NetworkId = net.Id, EnableSnat = request.EnableSnat, ExternalFixedIps = [.. port.Ips], PortId = port.Id };
        return (info, port);
    }

    /// <summary>The requested routes; null when the body leaves them alone. An explicit null means none (Neutron's convert_none_to_empty_list).</summary>
    List<HostRoute>? Routes(Input body, LogicalRouter router, bool checkNexthops = true)
    {
        if (!body.Has("routes"))
            return null;
        var array = body.Array("routes") ?? [];
        var routes = new List<HostRoute>();
        foreach (var node in array)
        {
            var r = Input.Item(node, "route").Only(["destination", "nexthop"]);
            var destination = r.String("destination", 64);
            if (!SubnetCidr.TryParse(destination, out var cidr, out var error))
                throw NeutronErrors.BadRequest($"Invalid format for routes: {error}");
            var nexthop = r.Ip("nexthop") ?? throw NeutronErrors.BadRequest("Invalid format for routes: nexthop required");
            var connected = router.Ports.Any(p => InterfaceNetwork(p) is { } n && n.Contains(nexthop));
            if (checkNexthops && !connected)
                throw NeutronErrors.BadRequest($"Invalid format for routes: {{'destination': '{destination}', 'nexthop': '{nexthop}'}}, the nexthop is not connected with router");
            var route = new HostRoute(cidr!.ToString(), nexthop.ToString());
            if (!routes.Contains(route))
                routes.Add(route);
        }
        return routes;
    }

    protected override async Task<LogicalRouter> UpdateAsync(Caller caller, LogicalRouter router, Input body)
    {
        body.Only(Attributes);
        CheckAdminAttributes(caller, body, "update");
        body.ReadOnly("distributed", "ha", "availability_zone_hints");
        UpdateCommon(router, body);
        if (body.Bool("admin_state_up") is { } up) router.AdminStateUp = up;
        if (Routes(body, router) is { } routes) router.Routes = routes;
        LogicalPort? added = null;
        string? removed = null;
        if (body.Has("external_gateway_info"))
        {
            var request = GatewayRequest(body);
            var current = router.ExternalGatewayInfo;
            if (request is null)
            {
                removed = current?.PortId;
                router.ExternalGatewayInfo = null;
            }
            else if (current is not null && current.NetworkId == request.Value.NetworkId && request.Value.Ips is null)
            {
                current.EnableSnat = request.Value.EnableSnat;
            }
            else
            {
                removed = current?.PortId;
                (router.ExternalGatewayInfo, added) = await CreateGatewayAsync(caller, router, request.Value);
            }
        }
        try
        {
            var updated = await Plugin.Nb.UpdateAsync(router);
            if (removed is not null && await Plugin.Nb.TryGetAsync<LogicalPort>(removed) is { } old)
                await PortEndpoints.RemovePortAsync(Plugin, old);
            return updated;
        }
        catch
        {
            if (added is not null)
                await PortEndpoints.UndoPortAsync(Plugin, added);
            throw;
        }
    }

    protected override async Task DeleteAsync(Caller caller, LogicalRouter router)
    {
        if (router.Ports.Count > 0)
            throw NeutronErrors.InUse("RouterInUse", $"Router {router.Id} still has ports");
        var plugin = Plugin;
        await Plugin.DeleteThenAsync<LogicalRouter>(router.Id, router.Version, async () =>
        {
            if (router.ExternalGatewayInfo?.PortId is { } gw && await plugin.Nb.TryGetAsync<LogicalPort>(gw) is { } port)
                await PortEndpoints.RemovePortAsync(plugin, port);
        });
    }

    async Task<JsonObject> AddInterfaceAsync(Caller caller, LogicalRouter router, Input body)
    {
        body.Only(["subnet_id", "port_id"]);
        var subnetId = body.String("subnet_id");
        var portId = body.String("port_id");
        foreach (var id in new[] { subnetId, portId })
            if (id is not null && !Guid.TryParse(id, out _))
                throw NeutronErrors.InvalidInput($"'{id}' is not a valid UUID");
        if ((subnetId is null) == (portId is null))
            throw NeutronErrors.BadRequest("Bad router request: Either subnet_id or port_id must be specified.");
        LogicalPort port;
        LogicalSubnet subnet;
        var created = false;
        if (subnetId is not null)
        {
            subnet = await Access.FindAsync<LogicalSubnet>(Plugin, caller, subnetId, "Subnet");
            if (subnet.GatewayIp is null)
                throw NeutronErrors.BadRequest($"Bad router request: Subnet for router interface must have a gateway IP.");
            await CheckSubnetOwnerAsync(caller, subnet);
            CheckNoOverlap(router, subnet);
            var net = await Plugin.Nb.GetAsync<LogicalSwitch>(subnet.Lswitch);
            port = new LogicalPort
            {
                Id = Guid.NewGuid().ToString(), Topic = router.Topic, Lswitch = net.Id, DeviceOwner = DeviceOwners.RouterInterface,
                DeviceId = router.Id, PortSecurityEnabled = false, Name = "",
            };
            port = await PortEndpoints.CreatePortAsync(Plugin, port, net, null, [new(subnet.Id, IPAddress.Parse(subnet.GatewayIp))]);
            created = true;
        }
        else
        {
            port = await Access.FindAsync<LogicalPort>(Plugin, caller, portId!, "Port");
            if (port.DeviceId.Length > 0)
                throw NeutronErrors.InUse("PortInUse", $"Unable to complete operation on port {port.Id} for network {port.Lswitch}. Port already has an attached device {port.DeviceId}.");
            if (port.Ips.Count == 0)
                throw NeutronErrors.BadRequest($"Bad router request: Router port must have at least one fixed IP.");
            subnet = await Plugin.Nb.GetAsync<LogicalSubnet>(port.Ips[0].SubnetId);
            CheckNoOverlap(router, subnet);
            port = await Plugin.UpdatePortAsync(port.Id, p =>
            {
                if (p.DeviceId.Length > 0)
                    throw NeutronErrors.InUse("PortInUse", $"Unable to complete operation on port {p.Id} for network {p.Lswitch}. Port already has an attached device {p.DeviceId}.");
                p.DeviceId = router.Id;
                p.DeviceOwner = DeviceOwners.RouterInterface;
                p.Status = PortEndpoints.InitialStatus(p);
            });
        }
        var prefix = SubnetCidr.TryParse(subnet.Cidr, out var cidr, out _) ? cidr!.Network.PrefixLength : 0;
        var routerPort = new LogicalRouterPort
        {
            Id = port.Id, Topic = router.Topic, Mac = port.Macs[0], Network = $"{port.Ips[0].IpAddress}/{prefix}",
            Lswitch = port.Lswitch, SubnetId = subnet.Id, UniqueKey = port.UniqueKey,
        };
        try
        {
            await Plugin.Nb.UpdateAsync<LogicalRouter>(router.Id, r =>
            {
                if (r.Ports.Any(p => p.SubnetId == subnet.Id))
                    throw NeutronErrors.BadRequest($"Bad router request: Router already has a port on subnet {subnet.Id}.");
                r.Ports.Add(routerPort);
            });
        }
        catch
        {
            if (created)
                await PortEndpoints.UndoPortAsync(Plugin, port);
            else
                await Plugin.UpdatePortAsync(port.Id, p => { p.DeviceId = ""; p.DeviceOwner = ""; p.Status = PortEndpoints.InitialStatus(p); });
            throw;
        }
        return InterfaceInfo(router, port, subnet.Id);
    }

    /// <summary>
    /// Another project's subnet takes a non-admin's router interface only when its network is
    /// shared with the caller's project by a policy naming it; a network shared with everyone
    /// does not do (Neutron refuses it so that no project routes into a provider network).
    /// </summary>
    async Task CheckSubnetOwnerAsync(Caller caller, LogicalSubnet subnet)
    {
        if (caller.IsAdmin || caller.InProject(subnet.Topic))
            return;
        var named = (await NetworkGrants.LoadAsync(Plugin.Nb)).Of(subnet.Lswitch)
            .Any(p => p.Action == RbacPolicy.AccessAsShared && p.TargetTenant == caller.ProjectId);
        if (!named)
            throw NeutronErrors.BadRequest($"Bad router request: Cannot add interface to router because subnet {subnet.Id} is not owned by project making the request.");
    }

    static void CheckNoOverlap(LogicalRouter router, LogicalSubnet subnet)
    {
        if (router.Ports.Any(p => p.SubnetId == subnet.Id))
            throw NeutronErrors.BadRequest($"Bad router request: Router already has a port on subnet {subnet.Id}.");
        if (!SubnetCidr.TryParse(subnet.Cidr, out var cidr, out _))
            return;
        foreach (var p in router.Ports)
            if (InterfaceNetwork(p) is { } other && SubnetCidr.TryParse(other.ToString(), out var oc, out _) && oc!.Overlaps(cidr!))
                throw NeutronErrors.BadRequest($"Bad router request: Cidr {subnet.Cidr} of subnet {subnet.Id} overlaps with cidr {other} of subnet {p.SubnetId}.");
    }

    /// <summary>The subnet of an interface stored as address/prefix.</summary>
    static IPNetwork? InterfaceNetwork(LogicalRouterPort p)
    {
        // Stored with the interface's own address (host bits set), which IPNetwork refuses to parse.
        if (p.Network.Split('/') is not [var ipText, var lenText] || !IPAddress.TryParse(ipText, out var ip) || !int.TryParse(lenText, out var len))
            return null;
        return new IPNetwork(IpMath.Network(ip, len), len);
    }

    static JsonObject InterfaceInfo(LogicalRouter router, LogicalPort port, string subnetId) => new()
    {
        ["id"] = router.Id,
        ["tenant_id"] = router.Topic,
        ["project_id"] = router.Topic,
        ["port_id"] = port.Id,
        ["network_id"] = port.Lswitch,
        ["subnet_id"] = subnetId,
        ["subnet_ids"] = new JsonArray(subnetId),
    };

    async Task<JsonObject> RemoveInterfaceAsync(LogicalRouter router, Input body)
    {
        body.Only(["subnet_id", "port_id"]);
        var subnetId = body.String("subnet_id");
        var portId = body.String("port_id");
        foreach (var id in new[] { subnetId, portId })
            if (id is not null && !Guid.TryParse(id, out _))
                throw NeutronErrors.InvalidInput($"'{id}' is not a valid UUID");
        if (subnetId is null && portId is null)
            throw NeutronErrors.BadRequest("Bad router request: Either subnet_id or port_id must be specified.");
        var match = router.Ports.FirstOrDefault(p => (portId is null || p.Id == portId) && (subnetId is null || p.SubnetId == subnetId));
        if (match is null)
            throw portId is not null
                ? new NeutronException(404, "RouterInterfaceNotFound", $"Router {router.Id} does not have an interface with id {portId}")
                : new NeutronException(404, "RouterInterfaceNotFoundForSubnet", $"Router {router.Id} has no interface on subnet {subnetId}");
        if (InterfaceNetwork(match) is { } matched && router.Routes.Any(r => matched.Contains(IPAddress.Parse(r.Nexthop))))
            throw NeutronErrors.InUse("RouterInterfaceInUseByRoute", $"Router interface for subnet {match.SubnetId} on router {router.Id} cannot be deleted, as it is required by one or more routes.");
        await Plugin.Nb.UpdateAsync<LogicalRouter>(router.Id, r => r.Ports.RemoveAll(p => p.Id == match.Id));
        LogicalPort? port = await Plugin.Nb.TryGetAsync<LogicalPort>(match.Id);
        if (port is not null)
            await PortEndpoints.RemovePortAsync(Plugin, port);
        return InterfaceInfo(router, port ?? new LogicalPort { Id = match.Id, Lswitch = match.Lswitch }, match.SubnetId ?? "");
    }
}
