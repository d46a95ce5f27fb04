using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;

namespace Dragonflow.Server.Resources;

/// <summary>
/// /v2.0/floatingips. The floating address is held by an lport on the external network
/// (device_owner network:floatingip); associating it finds the router that joins the external
/// network to the port's subnet, as Neutron requires.
/// </summary>
sealed class FloatingIpEndpoints(CorePlugin plugin) : ResourceEndpoints<FloatingIp>(plugin)
{
    static readonly string[] Attributes =
    [
        .. CommonAttributes, "floating_network_id", "floating_ip_address", "subnet_id", "port_id", "fixed_ip_address",
        "dns_domain", "dns_name", "qos_policy_id",
    ];

    public override string Collection => "floatingips";
    public override string Member => "floatingip";
    protected override string? QuotaResource => "floatingip";

    protected override IEnumerable<KeyValuePair<string, object?>> LogIds(FloatingIp item) =>
        [new("FloatingIpId", item.Id), new("PortId", item.Lport), new("RouterId", item.Lrouter)];
    protected override string Noun => "Floating IP";

    public override JsonObject View(FloatingIp item) => Views.FloatingIp(item);

    protected override bool ViewDependsOnCaller => true;

    /// <summary>
    /// fip-port-details: an associated floating IP shows its port's name, network, MAC, state,
    /// status and device, read when it is shown (the port changes without the floating IP).
    /// </summary>
    protected override async Task<Func<JsonObject, JsonObject?>?> ViewerAsync(Caller caller)
    {
        var byId = (await Plugin.Nb.ListAsync<LogicalPort>()).Items.ToDictionary(p => p.Id);
        return tree =>
        {
            if ((string?)tree["port_id"] is not { } portId || !byId.TryGetValue(portId, out var port))
                return null;
            var copy = (JsonObject)tree.DeepClone();
            copy["port_details"] = new JsonObject
            {
                ["name"] = port.Name, ["network_id"] = port.Lswitch, ["mac_address"] = port.Macs.FirstOrDefault() ?? "",
                ["admin_state_up"] = port.Enabled, ["status"] = port.Status, ["device_id"] = port.DeviceId, ["device_owner"] = port.DeviceOwner,
            };
            return copy;
        };
    }

    protected override async Task<FloatingIp> CreateAsync(Caller caller, Input body)
    {
        body.Only(Attributes);
        var fip = new FloatingIp();
        FillCommon(fip, caller, body);
        if (body.Has("floating_ip_address"))
            Access.RequireAdmin(caller, Rule("create"), "floating_ip_address");
        var networkId = body.RequiredString("floating_network_id");
        var net = await Access.FindAsync<LogicalSwitch>(Plugin, caller, networkId, "Network");
        if (!net.RouterExternal)
            throw NeutronErrors.BadRequest($"Bad floatingip request: Network {net.Id} is not a valid external network.");
        var address = body.Ip("floating_ip_address");
        var subnetId = body.String("subnet_id");
        _ = body.String("dns_domain");
        _ = body.String("dns_name");
        _ = body.String("qos_policy_id");
        fip.FloatingNetworkId = net.Id;
        // Check the association before claiming anything, so a refused request leaves nothing behind.
        var portId = body.String("port_id");
        var fixedIp = body.Ip("fixed_ip_address");
        List<PortEndpoints.FixedIpRequest>? requests = address is not null || subnetId is not null ? [new(subnetId, address)] : null;
        if (requests is null && net.Subnets.Count > 0)
        {
            // One address from the first IPv4 subnet only.
            foreach (var id in net.Subnets)
                if (await Plugin.Nb.TryGetAsync<LogicalSubnet>(id) is { IpVersion: 4 } s)
                {
                    requests = [new(s.Id, null)];
                    break;
                }
        }
        if (requests is null)
            throw NeutronErrors.BadRequest($"Bad floatingip request: Network {net.Id} has no IPv4 subnet.");
        if (portId is not null)
            await AssociateAsync(caller, fip, portId, fixedIp);
        var port = new LogicalPort
        {
            Id = Guid.NewGuid().ToString(), Topic = fip.Topic, Lswitch = net.Id, DeviceOwner = DeviceOwners.FloatingIp,
            DeviceId = fip.Id, PortSecurityEnabled = false, Name = "",
        };
        port = await PortEndpoints.CreatePortAsync(Plugin, port, net, null, requests);
        try
        {
            fip.FloatingLport = port.Id;
            fip.FloatingMac = port.Macs[0];
            fip.FloatingIpAddress = port.Ips[0].IpAddress;
            if (await Plugin.Nb.TryGetAsync<LogicalSubnet>(port.Ips[0].SubnetId) is { } extSubnet)
                fip.ExternalGatewayIp = extSubnet.GatewayIp;
            return await Plugin.Nb.CreateAsync(fip);
        }
        catch
        {
            // The floating IP may have landed although its answer was lost: it goes first, then its port.
            await Plugin.UndoCreateAsync<FloatingIp>(fip.Id);
            await PortEndpoints.UndoPortAsync(Plugin, port);
            throw;
        }
    }

    /// <summary>Points the floating IP at a port's fixed address through the router that can reach it.</summary>
    async Task AssociateAsync(Caller caller, FloatingIp fip, string portId, IPAddress? fixedIp)
    {
        var port = await Access.FindAsync<LogicalPort>(Plugin, caller, portId, "Port");
        if (port.Topic != fip.Topic && !caller.IsAdmin)
            throw NeutronErrors.BadRequest($"Bad floatingip request: Cannot process floating IP association with Port {port.Id}, since that port is owned by a different tenant.");
        var chosen = fixedIp is null
            ? port.Ips.FirstOrDefault(i => IPAddress.Parse(i.IpAddress).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            : port.Ips.FirstOrDefault(i => IPAddress.Parse(i.IpAddress).Equals(fixedIp));
        if (chosen is null)
            throw NeutronErrors.BadRequest(fixedIp is null
                ? $"Bad floatingip request: Port {port.Id} does not have an IPv4 address."
                : $"Bad floatingip request: Port {port.Id} does not have fixed ip {fixedIp}.");
        var others = (await Plugin.Nb.ListAsync<FloatingIp>()).Items;
        if (others.FirstOrDefault(f => f.Id != fip.Id && f.Lport == port.Id && f.FixedIpAddress == chosen.IpAddress) is { } taken)
            throw NeutronErrors.Conflict("FloatingIPPortAlreadyAssociated",
                $"Cannot associate floating IP {fip.FloatingIpAddress} ({fip.Id}) with port {port.Id} using fixed IP {chosen.IpAddress}, as that fixed IP already has a floating IP on external network {taken.FloatingNetworkId}.");
        var routers = (await Plugin.Nb.ListAsync<LogicalRouter>()).Items;
        var router = routers.FirstOrDefault(r => r.ExternalGatewayInfo?.NetworkId == fip.FloatingNetworkId && r.Ports.Any(p => p.SubnetId == chosen.SubnetId))
            ?? throw new NeutronException(404, "ExternalGatewayForFloatingIPNotFound",
                $"External network {fip.FloatingNetworkId} is not reachable from subnet {chosen.SubnetId}.  Therefore, cannot associate Port {port.Id} with a Floating IP.");
        fip.Lport = port.Id;
        fip.FixedIpAddress = chosen.IpAddress;
        fip.Lrouter = router.Id;
        fip.Status = PortStatuses.Active;
    }

    /// <summary>
    /// As Neutron does when a port is deleted: every floating IP associated with it is left
    /// unassociated (no port, fixed IP or router) instead of pointing at a port that is gone.
    /// </summary>
    public static async Task DisassociatePortAsync(CorePlugin plugin, string portId)
    {
        foreach (var fip in (await plugin.Nb.ListAsync<FloatingIp>()).Items.Where(f => f.Lport == portId))
        {
            Disassociate(fip);
            await plugin.Nb.UpdateAsync(fip);
        }
    }

    static void Disassociate(FloatingIp fip)
    {
        fip.Lport = null;
        fip.FixedIpAddress = null;
        fip.Lrouter = null;
        fip.Status = PortStatuses.Down;
    }

    protected override async Task<FloatingIp> UpdateAsync(Caller caller, FloatingIp fip, Input body)
    {
        body.Only(Attributes).ReadOnly("floating_network_id", "floating_ip_address", "subnet_id");
        UpdateCommon(fip, body);
        // An empty update body clears the association, as it always has in Neutron.
        if (body.Body.Count == 0)
            Disassociate(fip);
        else if (body.Has("port_id"))
        {
            if (body.String("port_id") is { } portId)
                await AssociateAsync(caller, fip, portId, body.Ip("fixed_ip_address"));
            else
                Disassociate(fip);
        }
        return await Plugin.Nb.UpdateAsync(fip);
    }

    protected override Task DeleteAsync(Caller caller, FloatingIp fip) => RemoveAsync(Plugin, fip);

    /// <summary>Deletes a floating IP, then the port that holds its address.</summary>
    public static async Task RemoveAsync(CorePlugin plugin, FloatingIp fip)
    {
        await plugin.DeleteThenAsync<FloatingIp>(fip.Id, fip.Version, async () =>
        {
            if (fip.FloatingLport is { } id && await plugin.Nb.TryGetAsync<LogicalPort>(id) is { } port)
                await PortEndpoints.RemovePortAsync(plugin, port);
        });
    }
}
