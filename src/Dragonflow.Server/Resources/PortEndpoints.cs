using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;
using Dragonflow.Server.Ipam;

namespace Dragonflow.Server.Resources;

/// <summary>
/// /v2.0/ports. Creating a port claims its MAC and addresses in the NB DB, then writes the lport;
/// any failure gives back what was claimed, so a refused request leaves nothing behind.
/// </summary>
sealed class PortEndpoints(CorePlugin plugin) : ResourceEndpoints<LogicalPort>(plugin)
{

    static readonly string[] Attributes =
    [
        .. CommonAttributes, "network_id", "mac_address", "fixed_ips", "admin_state_up", "device_owner", "device_id",
        "binding:host_id", "binding:vnic_type", "binding:profile", "security_groups", "port_security_enabled",
        "allowed_address_pairs", "extra_dhcp_opts", "dns_name", "qos_policy_id", "propagate_uplink_status",
    ];

    static readonly string[] VnicTypes = ["normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder", "smart-nic", "vdpa", "remote-managed"];

    public override string Collection => "ports";
    public override string Member => "port";
    protected override string? QuotaResource => "port";

    protected override IEnumerable<KeyValuePair<string, object?>> LogIds(LogicalPort item) =>
        [new("PortId", item.Id), new("NetworkId", item.Lswitch), new("DeviceId", item.DeviceId), new("ChassisId", item.Chassis)];
    protected override string Noun => "Port";

    public override JsonObject View(LogicalPort item) => Views.Port(item);

    /// <summary>get_port:binding:* = admin.</summary>
    protected override string[] AdminOnlyAttributes => ["binding:host_id", "binding:profile", "binding:vif_type", "binding:vif_details"];

    /// <summary>get_port: the project's reader, or the caller's project owns the port's network.</summary>
    protected override async Task<Func<JsonObject, bool>> ListFilterAsync(Caller caller)
    {
        var own = (await Plugin.Nb.ListAsync<LogicalSwitch>(caller.ProjectId)).Items.Where(n => n.Topic == caller.ProjectId).Select(n => n.Id).ToHashSet();
        return tree => caller.Reads((string?)tree["project_id"]) || own.Contains((string?)tree["network_id"] ?? "");
    }

    /// <summary>
    /// update_port: admin or the port's project member; delete_port also a member of the network's
    /// project (Zed's rule names the network's project alone; a reader there still writes nothing,
    /// as in later releases).
    /// </summary>
    protected override async Task<bool> MayChangeAsync(Caller caller, LogicalPort item, string rule) =>
        caller.Writes(item.Topic)
        || (rule == Rule("delete") && (await Plugin.Nb.TryGetAsync<LogicalSwitch>(item.Lswitch))?.Topic is { } owner && caller.Writes(owner));

    /// <summary>
    /// The attribute rules of create_port/update_port: what only the network's project (or an admin)
    /// may set — a MAC, addresses, port security, address pairs, a network:* device owner — and
    /// what only admins may set (binding host and profile). On create an attribute left at its
    /// default is not checked, as in Neutron.
    /// </summary>
    async Task CheckAttributesAsync(Caller caller, LogicalSwitch net, Input body, string verb)
    {
        if (caller.IsAdmin)
            return;
        var rule = Rule(verb);
        var networkOwner = caller.InProject(net.Topic);
        var creating = verb == "create";
        if (body.String("device_owner") is { } owner && owner.StartsWith(DeviceOwners.NetworkPrefix, StringComparison.Ordinal))
            Access.Require(networkOwner, rule, "device_owner");
        if (body.Has("mac_address"))
            Access.Require(networkOwner && creating, rule, "mac_address");
        if (body.Array("fixed_ips") is { } fixedIps)
        {
            var shared = creating && (await NetworkGrants.LoadAsync(Plugin.Nb)).SharedWith(net, caller.ProjectId);
            Access.Require(networkOwner || shared, rule, "fixed_ips");
            foreach (var ip in fixedIps.OfType<JsonObject>())
            {
                if (ip.ContainsKey("ip_address"))
                    Access.Require(networkOwner, rule, "fixed_ips", "ip_address");
                if (ip.ContainsKey("subnet_id"))
                    Access.Require(networkOwner || shared, rule, "fixed_ips", "subnet_id");
            }
        }
        if (body.Has("port_security_enabled"))
            Access.Require(networkOwner, rule, "port_security_enabled");
        if (body.Has("allowed_address_pairs"))
            Access.Require(networkOwner, rule, "allowed_address_pairs");
        if (body.String("binding:host_id") is { Length: > 0 } || (!creating && body.Has("binding:host_id")))
            Access.Require(false, rule, "binding:host_id");
        if (body.Has("binding:profile"))
            Access.Require(false, rule, "binding:profile");
    }

    /// <summary>?device_id=X (one or more non-empty values) reads only the ports the device index names.</summary>
    protected override async Task<IReadOnlyList<Dragonflow.NorthDb.Drivers.NbEntry>?> IndexedEntriesAsync(Microsoft.AspNetCore.Http.IQueryCollection query)
    {
        if (!query.TryGetValue("device_id", out var devices) || devices.Count == 0 || devices.Any(string.IsNullOrEmpty))
            return null;
        return await Plugin.PortDevices.PortsAsync(devices!);
    }

    /// <summary>A requested fixed IP: a subnet, an address, or both.</summary>
    public sealed record FixedIpRequest(string? SubnetId, IPAddress? Address);

    protected override async Task<LogicalPort> CreateAsync(Caller caller, Input body)
    {
        body.Only(Attributes);
        var port = new LogicalPort();
        FillCommon(port, caller, body);
        var networkId = body.RequiredString("network_id");
        var net = await Access.FindAsync<LogicalSwitch>(Plugin, caller, networkId, "Network");
        await CheckAttributesAsync(caller, net, body, "create");
        port.Lswitch = net.Id;
        string? mac = null;
        if (body.String("mac_address", 64) is { } macText)
            mac = MacAllocator.Normalize(macText) ?? throw NeutronErrors.InvalidInput($"'{macText}' is not a valid MAC address");
        var fixedIps = FixedIps(body);
        ApplyPlainAttributes(port, body);
        port.PortSecurityEnabled = body.Bool("port_security_enabled") ?? net.PortSecurityEnabled;
        var groups = body.StringList("security_groups");
        if (groups is not null)
            await RequireGroupsAsync(caller, groups);
        var useDefaultGroup = groups is null && port.PortSecurityEnabled && !port.DeviceOwner.StartsWith(DeviceOwners.NetworkPrefix, StringComparison.Ordinal);
        port.SecurityGroups = useDefaultGroup ? [DefaultSecurityGroup.IdFor(port.Topic!)] : groups ?? [];
        port.AllowedAddressPairs = AddressPairs(body) ?? [];
        port.ExtraDhcpOpts = ExtraDhcpOptionsInput.ForCreate(body) ?? [];
        CheckPortSecurity(port);
        // The default group is made only once the port's claims succeeded: a refused port leaves nothing.
        return await CreatePortAsync(Plugin, port, net, mac, fixedIps,
            useDefaultGroup ? () => DefaultSecurityGroup.EnsureAsync(Plugin, port.Topic!) : null);
    }

    static void CheckPortSecurity(LogicalPort port)
    {
        if (!port.PortSecurityEnabled && port.SecurityGroups.Count > 0)
            throw NeutronErrors.Conflict("PortSecurityPortHasSecurityGroup",
                "Port has security group associated. Cannot disable port security or ip address until security group is removed");
        if (!port.PortSecurityEnabled && port.AllowedAddressPairs.Count > 0)
            throw NeutronErrors.Conflict("AddressPairAndPortSecurityRequired",
                "Port Security must be enabled in order to have allowed address pairs on a port.");
    }

    /// <summary>
    /// Claims the MAC and the addresses, then writes the lport. <paramref name="fixedIps"/> null
    /// means "one address from the first IPv4 and the first IPv6 subnet"; empty means none.
    /// </summary>
    /// <summary>
    /// A router's ports are served by the distributed router on every chassis, so they are up as
    /// soon as they exist; any other port is DOWN until a controller binds it and installs its flows.
    /// </summary>
    public static string InitialStatus(LogicalPort port) =>
        port.DeviceOwner is DeviceOwners.RouterInterface or DeviceOwners.RouterGateway ? PortStatuses.Active : PortStatuses.Down;

    public static async Task<LogicalPort> CreatePortAsync(CorePlugin plugin, LogicalPort port, LogicalSwitch net, string? mac, IReadOnlyList<FixedIpRequest>? fixedIps,
        Func<Task>? beforeWrite = null)
    {
        var subnets = new List<LogicalSubnet>();
        foreach (var id in net.Subnets)
            if (await plugin.Nb.TryGetAsync<LogicalSubnet>(id) is { } s)
                subnets.Add(s);
        var plan = Plan(net, subnets, fixedIps, port.DeviceOwner);

        var claimedMac = false;
        var claimedIps = new List<FixedIp>();
        var member = false;
        var indexed = false;
        try
        {
            if (mac is not null)
                await plugin.Macs.ClaimAsync(net.Id, mac, port.Id);
            else
                mac = await plugin.Macs.AllocateAsync(net.Id, port.Id);
            claimedMac = true;
            port.Macs = [mac];
            foreach (var (subnet, requested) in plan)
            {
                var address = requested ?? (AutoAddress.IsAutoAddress(subnet) ? AutoAddress.Of(subnet.Cidr, mac) : null);
                if (address is not null)
                    await plugin.Addresses.ClaimAsync(subnet, address, port.Id);
                var ip = address ?? await plugin.Addresses.AllocateAsync(subnet, port.Id);
                claimedIps.Add(new FixedIp(subnet.Id, ip.ToString()));
            }
            port.Ips = [.. claimedIps];
            member = await plugin.Reservations.TryClaimAsync(Reservations.NetworkPortTable, port.Id, net.Id, port.Id);
            if (beforeWrite is not null)
                await beforeWrite();
            port.UniqueKey = await plugin.Nb.AllocateUniqueKeyAsync<LogicalPort>();
            port.Status = InitialStatus(port);
            // The index row goes first, like a claim: a row without its port is harmless.
            indexed = true;
            await plugin.PortDevices.AddAsync(port);
            return await plugin.Nb.CreateAsync(port);
        }
        catch (Exception e)
        {
            // A write that timed out may still land: the port itself is undone first.
            await plugin.Reservations.Undo.RunAsync(() => DeleteIfPresentAsync(plugin, port.Id));
            if (indexed)
                await plugin.PortDevices.RemoveAsync(port.Id);
            foreach (var ip in claimedIps)
                await plugin.Addresses.ReleaseAsync(ip.SubnetId, ip.IpAddress, port.Id);
            if (claimedMac && mac is not null)
                await plugin.Macs.ReleaseAsync(net.Id, mac, port.Id);
            if (member)
                await plugin.Reservations.ReleaseAsync(Reservations.NetworkPortTable, port.Id);
            if (e is Dragonflow.NorthDb.NbBackendUnavailableException)
            {
                // Claims whose answers were lost may have been taken all the same: sweep by owner.
                var reservations = plugin.Reservations;
                await reservations.Undo.RunAsync(async () =>
                {
                    await reservations.DeleteIfPresentAsync(Reservations.NetworkPortTable, port.Id);
                    await reservations.ReleaseOwnedAsync(Reservations.MacTable, net.Id, port.Id);
                    foreach (var subnet in plan.Select(p => p.Subnet.Id).Distinct())
                        await reservations.ReleaseOwnedAsync(Reservations.IpTable, subnet, port.Id);
                });
            }
            throw;
        }
    }

    static async Task DeleteIfPresentAsync(CorePlugin plugin, string portId)
    {
        try
        {
            await plugin.Nb.DeleteAsync<LogicalPort>(portId);
        }
        catch (Dragonflow.NorthDb.NbKeyNotFoundException)
        {
        }
    }

    /// <summary>
    /// Resolves requests to (subnet, address or null), refusing what Neutron refuses. A null
    /// address is allocated from the pools, or on a SLAAC/DHCPv6-stateless subnet derived from
    /// the port's MAC. Without requests: the first IPv4 subnet, the first IPv6 subnet with
    /// allocated addresses, and every automatic-address subnet (except for router interfaces).
    /// </summary>
    static List<(LogicalSubnet Subnet, IPAddress? Address)> Plan(LogicalSwitch net, List<LogicalSubnet> subnets, IReadOnlyList<FixedIpRequest>? requests, string deviceOwner)
    {
        var plan = new List<(LogicalSubnet, IPAddress?)>();
        var takesAuto = AutoAddress.TakesAutoAddress(deviceOwner);
        if (requests is null)
        {
            if (subnets.FirstOrDefault(s => s.IpVersion == 4) is { } v4)
                plan.Add((v4, null));
            if (subnets.FirstOrDefault(s => s.IpVersion == 6 && !AutoAddress.IsAutoAddress(s)) is { } v6)
                plan.Add((v6, null));
            if (takesAuto)
                plan.AddRange(subnets.Where(AutoAddress.IsAutoAddress).Select(s => (s, (IPAddress?)null)));
            return plan;
        }
        foreach (var request in requests)
        {
            LogicalSubnet subnet;
            if (request.SubnetId is { } sid)
            {
                subnet = subnets.FirstOrDefault(s => s.Id == sid)
                    ?? throw NeutronErrors.InvalidInput($"Failed to create port on network {net.Id}, because fixed_ips included invalid subnet {sid}");
                if (request.Address is { } a && !InSubnet(subnet, a, deviceOwner))
                    throw NeutronErrors.BadRequest($"IP address {a} is not a valid IP for the specified subnet.");
            }
            else
            {
                var a = request.Address!;
                subnet = subnets.FirstOrDefault(s => InSubnet(s, a, deviceOwner))
                    ?? throw NeutronErrors.BadRequest($"IP address {a} is not a valid IP for any of the subnets on the specified network.");
            }
            if (request.Address is { } given && takesAuto && AutoAddress.IsAutoAddress(subnet))
                throw new NeutronException(400, "AllocationOnAutoAddressSubnet",
                    $"IPv6 address {given} cannot be directly assigned to a port on subnet {subnet.Id} as the subnet is configured for automatic addresses");
            if (request.Address is { } addr && plan.Any(p => p.Item2 is { } other && other.Equals(addr)))
                throw NeutronErrors.BadRequest($"Duplicate IP address '{addr}'");
            plan.Add((subnet, request.Address));
        }
        return plan;
    }

    /// <summary>
    /// Whether a port may hold the address on the subnet: a usable one, or for a router's port also
    /// an IPv6 subnet's own address (the subnet-router anycast address), as Neutron allows.
    /// </summary>
    static bool InSubnet(LogicalSubnet subnet, IPAddress address, string deviceOwner) =>
        SubnetCidr.TryParse(subnet.Cidr, out var cidr, out _)
        && (cidr!.Usable.Contains(address)
            || (deviceOwner.StartsWith(DeviceOwners.RouterPrefix, StringComparison.Ordinal)
                && cidr.Family == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.Equals(cidr.Network.BaseAddress)));

    static List<FixedIpRequest>? FixedIps(Input body)
    {
        var array = body.Array("fixed_ips");
        if (array is null)
            return null;
        var list = new List<FixedIpRequest>();
        foreach (var node in array)
        {
            var item = Input.Item(node, "fixed ip").Only(["subnet_id", "ip_address"]);
            var subnetId = item.String("subnet_id");
            var address = item.Ip("ip_address");
            if (subnetId is null && address is null)
                throw NeutronErrors.InvalidInput("Exactly one of subnet_id or ip_address, or both, is required for a fixed IP");
            list.Add(new FixedIpRequest(subnetId, address));
        }
        return list;
    }

    static void ApplyPlainAttributes(LogicalPort port, Input body)
    {
        if (body.Bool("admin_state_up") is { } up) port.Enabled = up;
        if (body.Has("device_owner")) port.DeviceOwner = body.String("device_owner") ?? "";
        if (body.Has("device_id")) port.DeviceId = body.String("device_id") ?? "";
        if (body.Has("binding:host_id")) port.BindingHostId = body.String("binding:host_id") is { Length: > 0 } h ? h : null;
        if (body.String("binding:vnic_type") is { } vnic)
            port.BindingVnicType = VnicTypes.Contains(vnic) ? vnic : throw NeutronErrors.InvalidInput($"'{vnic}' is not in {string.Join(", ", VnicTypes)}");
        if (body.Body["binding:profile"] is { } profile and not JsonObject)
            throw NeutronErrors.InvalidInput($"'{profile.ToJsonString(ApiJson.Options)}' is not a dictionary");
        if (DnsNameInput.From(body) is { } dnsName) port.DnsName = dnsName;
        _ = body.String("qos_policy_id");
        _ = body.Bool("propagate_uplink_status");
    }

    static List<AddressPair>? AddressPairs(Input body)
    {
        var array = body.Array("allowed_address_pairs");
        if (array is null)
            return null;
        var pairs = new List<AddressPair>();
        foreach (var node in array)
        {
            var item = Input.Item(node, "allowed address pair").Only(["ip_address", "mac_address"]);
            var ip = item.String("ip_address", 64) ?? throw NeutronErrors.BadRequest("AllowedAddressPair must contain ip_address");
            var valid = ip.Contains('/') ? SubnetCidr.TryParse(ip, out _, out _) || IPNetwork.TryParse(ip, out _) : IPAddress.TryParse(ip, out _);
            if (!valid)
                throw NeutronErrors.BadRequest($"'{ip}' is not a valid IP address");
            string? mac = null;
            if (item.String("mac_address", 64) is { } m)
                mac = MacAllocator.Normalize(m) ?? throw NeutronErrors.BadRequest($"'{m}' is not a valid MAC address");
            var pair = new AddressPair(ip, mac);
            if (pairs.Contains(pair))
                throw NeutronErrors.BadRequest("Request contains duplicate address pair");
            pairs.Add(pair);
        }
        return pairs;
    }

    async Task RequireGroupsAsync(Caller caller, List<string> groups)
    {
        foreach (var id in groups)
            await Access.FindAsync<SecurityGroup>(Plugin, caller, id, "Security group");
    }

    protected override async Task<LogicalPort> UpdateAsync(Caller caller, LogicalPort port, Input body)
    {
        body.Only(Attributes);
        if (await Plugin.Nb.TryGetAsync<LogicalSwitch>(port.Lswitch) is { } network)
            await CheckAttributesAsync(caller, network, body, "update");
        body.ReadOnly("network_id");
        UpdateCommon(port, body);
        ApplyPlainAttributes(port, body);
        if (body.Bool("port_security_enabled") is { } ps) port.PortSecurityEnabled = ps;
        if (body.StringList("security_groups") is { } groups)
        {
            await RequireGroupsAsync(caller, groups);
            port.SecurityGroups = groups;
        }
        if (AddressPairs(body) is { } pairs) port.AllowedAddressPairs = pairs;
        if (ExtraDhcpOptionsInput.ForUpdate(body, port.ExtraDhcpOpts) is { } options) port.ExtraDhcpOpts = options;
        CheckPortSecurity(port);

        var requests = FixedIps(body);
        var claimed = new List<FixedIp>();
        var released = new List<FixedIp>();
        string? newMac = null;
        try
        {
            newMac = await NewMacAsync(port, body);
            if (requests is not null)
            {
                var net = await Plugin.Nb.GetAsync<LogicalSwitch>(port.Lswitch);
                var subnets = new List<LogicalSubnet>();
                foreach (var id in net.Subnets)
                    if (await Plugin.Nb.TryGetAsync<LogicalSubnet>(id) is { } s)
                        subnets.Add(s);
                var next = new List<FixedIp>();
                foreach (var (subnet, requested) in Plan(net, subnets, requests, port.DeviceOwner))
                {
                    var address = requested ?? (AutoAddress.IsAutoAddress(subnet) ? AutoAddress.Of(subnet.Cidr, newMac ?? port.Macs[0]) : null);
                    if (address is not null && port.Ips.Contains(new FixedIp(subnet.Id, address.ToString())))
                    {
                        next.Add(new FixedIp(subnet.Id, address.ToString()));
                        continue;
                    }
                    if (address is not null)
                        await Plugin.Addresses.ClaimAsync(subnet, address, port.Id);
                    var ip = new FixedIp(subnet.Id, (address ?? await Plugin.Addresses.AllocateAsync(subnet, port.Id)).ToString());
                    claimed.Add(ip);
                    next.Add(ip);
                }
                released = port.Ips.Where(i => !next.Contains(i)).ToList();
                port.Ips = next;
            }
            if (newMac is not null && requests is null)
                (claimed, released) = await MoveAutoAddressesAsync(port, newMac);
            var oldMacs = port.Macs;
            if (newMac is not null)
                port.Macs = [newMac];
            var updated = await Plugin.Nb.UpdateAsync(port);
            await Plugin.PortDevices.SetAsync(updated);
            foreach (var ip in released)
                await Plugin.Addresses.ReleaseAsync(ip.SubnetId, ip.IpAddress, port.Id);
            if (newMac is not null)
                foreach (var old in oldMacs.Where(m => m != newMac))
                    await Plugin.Macs.ReleaseAsync(port.Lswitch, old, port.Id);
            return updated;
        }
        catch
        {
            foreach (var ip in claimed)
                await Plugin.Addresses.ReleaseAsync(ip.SubnetId, ip.IpAddress, port.Id);
            if (newMac is not null)
                await Plugin.Macs.ReleaseAsync(port.Lswitch, newMac, port.Id);
            throw;
        }
    }

    /// <summary>A new MAC moves the port's SLAAC/DHCPv6-stateless addresses to the ones derived from it.</summary>
    async Task<(List<FixedIp> Claimed, List<FixedIp> Released)> MoveAutoAddressesAsync(LogicalPort port, string mac)
    {
        var (claimed, released, next) = (new List<FixedIp>(), new List<FixedIp>(), new List<FixedIp>());
        try
        {
            foreach (var ip in port.Ips)
            {
                if (await Plugin.Nb.TryGetAsync<LogicalSubnet>(ip.SubnetId) is not { } subnet || !AutoAddress.IsAutoAddress(subnet)
                    || !AutoAddress.TakesAutoAddress(port.DeviceOwner))
                {
                    next.Add(ip);
                    continue;
                }
                var moved = new FixedIp(subnet.Id, AutoAddress.Of(subnet.Cidr, mac).ToString());
                await Plugin.Addresses.ClaimAsync(subnet, IPAddress.Parse(moved.IpAddress), port.Id);
                claimed.Add(moved);
                released.Add(ip);
                next.Add(moved);
            }
        }
        catch
        {
            foreach (var ip in claimed)
                await Plugin.Addresses.ReleaseAsync(ip.SubnetId, ip.IpAddress, port.Id);
            throw;
        }
        port.Ips = next;
        return (claimed, released);
    }

    /// <summary>
    /// An admin's new mac_address (null: a generated one, port-mac-address-regenerate), claimed on
    /// the network; null when the MAC stays. As ML2: not for network:* ports, nor once the port is
    /// bound to a host; 409 MacAddressInUse when another port has it.
    /// </summary>
    async Task<string?> NewMacAsync(LogicalPort port, Input body)
    {
        if (!body.Has("mac_address"))
            return null;
        var text = body.Body["mac_address"] is null ? null : body.String("mac_address", 64);
        var requested = text is null ? null
            : MacAllocator.Normalize(text) ?? throw NeutronErrors.InvalidInput($"'{text}' is not a valid MAC address");
        var current = port.Macs.FirstOrDefault();
        if (requested is not null && requested == current)
            return null;
        if (port.DeviceOwner.StartsWith(DeviceOwners.NetworkPrefix, StringComparison.Ordinal))
            throw NeutronErrors.Conflict("UnsupportedPortDeviceOwner",
                $"Operation mac address update is not supported for device_owner {port.DeviceOwner} on port {port.Id}.");
        if (port.Chassis is not null || !string.IsNullOrEmpty(port.BindingHostId))
            throw NeutronErrors.Conflict("PortBound",
                $"Unable to complete operation on port {port.Id}, port is already bound, port type: ovs, old_mac {current}, new_mac {requested}.");
        if (requested is null)
            return await Plugin.Macs.AllocateAsync(port.Lswitch, port.Id);
        await Plugin.Macs.ClaimAsync(port.Lswitch, requested, port.Id);
        return requested;
    }

    /// <summary>A port of a failed bulk create goes as a failed create's port goes, whatever its device owner.</summary>
    protected override Task UndoCreatedAsync(Caller caller, LogicalPort created) => UndoPortAsync(Plugin, created);

    protected override async Task DeleteAsync(Caller caller, LogicalPort port)
    {
        if (port.DeviceOwner is DeviceOwners.RouterInterface or DeviceOwners.RouterGateway or DeviceOwners.FloatingIp)
            throw NeutronErrors.InUse("ServicePortInUse",
                $"Port {port.Id} cannot be deleted directly via the port API: has device owner {port.DeviceOwner}.");
        await FloatingIpEndpoints.DisassociatePortAsync(Plugin, port.Id);
        await RemovePortAsync(Plugin, port);
    }

    /// <summary>
    /// Takes back a port made for a create that then failed (a router's gateway, a floating IP's
    /// port): like <see cref="RemovePortAsync"/>, but every step tolerates "already gone" and the
    /// whole runs again once the NB database is back if it is away now.
    /// </summary>
    public static async Task UndoPortAsync(CorePlugin plugin, LogicalPort port)
    {
        var reservations = plugin.Reservations;
        await reservations.Undo.RunAsync(async () =>
        {
            await DeleteIfPresentAsync(plugin, port.Id);
            foreach (var ip in port.Ips)
                await reservations.DeleteIfOwnedAsync(Reservations.IpTable, Reservations.IpKey(ip.SubnetId, ip.IpAddress), port.Id);
            foreach (var mac in port.Macs)
                await reservations.DeleteIfOwnedAsync(Reservations.MacTable, Reservations.MacKey(port.Lswitch, mac), port.Id);
            await reservations.DeleteIfPresentAsync(Reservations.NetworkPortTable, port.Id);
            await reservations.DeleteIfPresentAsync(PortDeviceIndex.TableName, port.Id);
        });
        foreach (var ip in port.Ips)
            plugin.Addresses.Forget(ip.SubnetId); // its memory of taken addresses may miss the release
    }

    /// <summary>Deletes the lport and gives back its addresses, MAC and network membership.</summary>
    public static Task RemovePortAsync(CorePlugin plugin, LogicalPort port) =>
        plugin.DeleteThenAsync<LogicalPort>(port.Id, null, async () =>
        {
            foreach (var ip in port.Ips)
                await plugin.Addresses.ReleaseAsync(ip.SubnetId, ip.IpAddress, port.Id);
            foreach (var mac in port.Macs)
                await plugin.Macs.ReleaseAsync(port.Lswitch, mac, port.Id);
            await plugin.Reservations.ReleaseAsync(Reservations.NetworkPortTable, port.Id);
            await plugin.PortDevices.RemoveAsync(port.Id);
        });
}
