using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Api;
using Dragonflow.Server.Errors;
using Dragonflow.Server.Http;
using Dragonflow.Server.Ipam;
using Microsoft.Extensions.Primitives;

namespace Dragonflow.Server.Resources;

/// <summary>
/// /v2.0/subnets. Gateway and pools default as Neutron's (<see cref="SubnetCidr"/>); explicit
/// pools are checked as Neutron checks them. Attaching a subnet to its network is a
/// compare-and-swap on the network, so two servers cannot both add overlapping CIDRs.
/// With DHCP on, one pool address is claimed for the DHCP app (dhcp_ip).
/// </summary>
sealed class SubnetEndpoints(CorePlugin plugin) : ResourceEndpoints<LogicalSubnet>(plugin)
{
    public const string DhcpOwner = "dhcp";

    static readonly string[] Attributes =
    [
        .. CommonAttributes, "network_id", "cidr", "ip_version", "gateway_ip", "enable_dhcp", "dns_nameservers",
        "host_routes", "allocation_pools", "ipv6_ra_mode", "ipv6_address_mode", "subnetpool_id", "segment_id",
        "service_types", "use_default_subnetpool", "dns_publish_fixed_ip", "prefixlen",
    ];

    static readonly string[] Ipv6Modes = ["slaac", "dhcpv6-stateful", "dhcpv6-stateless"];

    public override string Collection => "subnets";
    public override string Member => "subnet";
    protected override string? QuotaResource => "subnet";

    protected override IEnumerable<KeyValuePair<string, object?>> LogIds(LogicalSubnet item) =>
        [new("SubnetId", item.Id), new("NetworkId", item.Lswitch)];
    protected override string Noun => "Subnet";

    public override JsonObject View(LogicalSubnet item) => Views.Subnet(item);

    /// <summary>get_subnet: the project's reader, or the subnet's network is shared with the caller.</summary>
    protected override async Task<Func<JsonObject, bool>> ListFilterAsync(Caller caller)
    {
        var grants = await NetworkGrants.LoadAsync(Plugin.Nb);
        var shared = (await Plugin.Nb.ListAsync<LogicalSwitch>()).Items.Where(n => grants.SharedWith(n, caller.ProjectId)).Select(n => n.Id).ToHashSet();
        return tree => caller.Reads((string?)tree["project_id"]) || shared.Contains((string?)tree["network_id"] ?? "");
    }

    protected override string[] AdminOnlyAttributes => ["segment_id"];

    /// <summary>
    /// shared=true|false: a subnet is shared when its network is, as the caller sees the network
    /// (Neutron does not show the attribute on subnets but filters on it).
    /// </summary>
    protected override IReadOnlyDictionary<string, Func<Caller, StringValues, Task<Func<JsonObject, bool>>>> HiddenFilters =>
        new Dictionary<string, Func<Caller, StringValues, Task<Func<JsonObject, bool>>>> { ["shared"] = SharedFilterAsync };

    async Task<Func<JsonObject, bool>> SharedFilterAsync(Caller caller, StringValues values)
    {
        var wanted = values.Select(v => QueryBool.Parse(v ?? "")).ToHashSet();
        var grants = await NetworkGrants.LoadAsync(Plugin.Nb);
        var shared = (await Plugin.Nb.ListAsync<LogicalSwitch>()).Items.Where(n => grants.SharedWith(n, caller.ProjectId)).Select(n => n.Id).ToHashSet();
        return tree => wanted.Contains(shared.Contains((string?)tree["network_id"] ?? ""));
    }

    /// <summary>create_subnet: admin, or a member of the network's project (a shared network takes no subnets from others).</summary>
    static bool MayUseNetwork(Caller caller, LogicalSwitch net) =>
        caller.IsAdmin || (caller.Identity.Has(Auth.Identity.MemberRole) && caller.InProject(net.Topic));

    /// <summary>update_subnet, delete_subnet: admin, the subnet's project member, or a member of the network's project.</summary>
    protected override async Task<bool> MayChangeAsync(Caller caller, LogicalSubnet item, string rule) =>
        caller.Writes(item.Topic)
        || (await Plugin.Nb.TryGetAsync<LogicalSwitch>(item.Lswitch) is { } net && MayUseNetwork(caller, net));

    protected override async Task<LogicalSubnet> CreateAsync(Caller caller, Input body)
    {
        body.Only(Attributes);
        var subnet = new LogicalSubnet();
        FillCommon(subnet, caller, body);
        var networkId = body.RequiredString("network_id");
        var ipVersion = body.Int("ip_version") ?? throw NeutronErrors.BadRequest("Failed to parse request. Required attribute 'ip_version' not specified");
        if (ipVersion is not (4 or 6))
            throw NeutronErrors.InvalidInput($"{ipVersion} is not in [4, 6]");
        var poolId = await PoolOfAsync(caller, body, ipVersion);
        var cidrText = poolId is null ? body.RequiredString("cidr", 64) : body.String("cidr", 64);
        SubnetCidr? cidr = null;
        if (cidrText is not null)
        {
            if (!SubnetCidr.TryParse(cidrText, out cidr, out var error))
                throw NeutronErrors.InvalidInput(error);
            if (ipVersion != cidr!.IpVersion)
                throw NeutronErrors.InvalidInput($"Cidr {cidrText} and ip_version {ipVersion} are not compatible");
        }
        var prefixlen = body.Int("prefixlen", 0, PoolPrefixes.MaxBits(ipVersion));
        _ = body.StringList("service_types");
        _ = body.Bool("dns_publish_fixed_ip");
        if (body.String("segment_id") is not null)
            throw NeutronErrors.BadRequest("Segments are not supported");

        subnet.Lswitch = networkId;
        subnet.IpVersion = ipVersion;
        if (poolId is null)
            return await CreateWithCidrAsync(caller, body, subnet, cidr!);
        // The CIDR is the pool's: claimed first, given back if the create fails after.
        var network = await Access.FindAsync<LogicalSwitch>(Plugin, caller, networkId, "Network");
        Access.Require(MayUseNetwork(caller, network), Rule("create"));
        cidr = await Plugin.PoolClaims.ClaimAsync(poolId, subnet.Id, subnet.Topic, cidr, prefixlen);
        subnet.SubnetpoolId = poolId;
        try
        {
            return await CreateWithCidrAsync(caller, body, subnet, cidr);
        }
        catch
        {
            var claims = Plugin.PoolClaims;
            await Plugin.Reservations.Undo.RunAsync(() => claims.ReleaseAsync(poolId, subnet.Id));
            throw;
        }
    }

    /// <summary>
    /// The pool a subnet takes its CIDR from (subnetpool_id, or the default pool of its IP
    /// version with use_default_subnetpool), if the caller sees it; null for none.
    /// </summary>
    async Task<string?> PoolOfAsync(Caller caller, Input body, int ipVersion)
    {
        var id = body.String("subnetpool_id");
        if (body.Bool("use_default_subnetpool") == true)
        {
            if (id is not null)
                throw NeutronErrors.BadRequest("subnetpool_id and use_default_subnetpool cannot both be specified");
            var pool = (await Plugin.Nb.ListAsync<SubnetPool>()).Items.FirstOrDefault(p => p.IsDefault && p.IpVersion == ipVersion)
                ?? throw NeutronErrors.BadRequest($"No default subnetpool found for IPv{ipVersion}");
            return pool.Id;
        }
        if (string.IsNullOrEmpty(id))
            return null;
        var found = await Access.FindAsync<SubnetPool>(Plugin, caller, id, "SubnetPool");
        if (found.IpVersion != ipVersion)
            throw NeutronErrors.BadRequest($"Cannot allocate IPv{ipVersion} subnet from IPv{found.IpVersion} subnet pool");
        return found.Id;
    }

    async Task<LogicalSubnet> CreateWithCidrAsync(Caller caller, Input body, LogicalSubnet subnet, SubnetCidr cidr)
    {
        var networkId = subnet.Lswitch;
        var ipVersion = subnet.IpVersion;
        subnet.Cidr = cidr.ToString();
        subnet.EnableDhcp = body.Bool("enable_dhcp") ?? true;
        var gateway = body.Has("gateway_ip") ? Gateway(body, cidr) : cidr.DefaultGateway;
        subnet.GatewayIp = gateway?.ToString();
        subnet.AllocationPools = Pools(body, cidr, gateway) ?? DefaultPools(cidr, gateway);
        subnet.DnsNameservers = Nameservers(body, cidr) ?? [];
        subnet.HostRoutes = HostRoutes(body) ?? [];
        if (ipVersion == 6)
        {
            subnet.Ipv6RaMode = Ipv6Mode(body, "ipv6_ra_mode");
            subnet.Ipv6AddressMode = Ipv6Mode(body, "ipv6_address_mode");
            if (subnet.Ipv6RaMode is { } ra && subnet.Ipv6AddressMode is { } am && ra != am)
                throw NeutronErrors.InvalidInput($"ipv6_ra_mode set to '{ra}' with ipv6_address_mode set to '{am}' is not valid. If both attributes are set, they must be the same value");
            if ((subnet.Ipv6RaMode ?? subnet.Ipv6AddressMode) is not null && !subnet.EnableDhcp)
                throw NeutronErrors.InvalidInput("ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False");
            // The port addresses of such a subnet are EUI-64 ones: a 64-bit interface identifier under a /64.
            if (AutoAddress.IsAutoAddress(subnet) && cidr.Network.PrefixLength != AutoAddress.PrefixLength)
                throw NeutronErrors.InvalidInput($"Invalid CIDR {cidr} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64");
        }
        else if (body.String("ipv6_ra_mode") is not null || body.String("ipv6_address_mode") is not null)
        {
            throw NeutronErrors.InvalidInput("ipv6_ra_mode or ipv6_address_mode cannot be set when ip_version is 4");
        }

        var network = await Access.FindAsync<LogicalSwitch>(Plugin, caller, networkId, "Network");
        Access.Require(MayUseNetwork(caller, network), Rule("create"));
        // The object is stored before it is attached, so that every subnet a network lists can be
        // read by a racing attach and checked for overlap; a refused attach deletes it again.
        var written = false;
        try
        {
            if (subnet.EnableDhcp)
                subnet.DhcpIp = await TryClaimDhcpAsync(subnet);
            written = true;
            await Plugin.Nb.CreateAsync(subnet);
            await AttachAsync(subnet, cidr);
            return subnet;
        }
        catch (Exception e)
        {
            await UndoCreateAsync(subnet, written, lost: e is NbBackendUnavailableException);
            throw;
        }
    }

    /// <summary>
    /// Takes back a failed create in the reverse order of its writes: off the network, the object,
    /// its DHCP address. After an outage (<paramref name="lost"/>) any of those writes may have
    /// landed unanswered, so the DHCP claims of the subnet are swept by owner.
    /// </summary>
    async Task UndoCreateAsync(LogicalSubnet subnet, bool written, bool lost)
    {
        if (written)
        {
            var plugin = Plugin;
            await Plugin.Reservations.Undo.RunAsync(async () =>
            {
                if (await plugin.Nb.TryGetAsync<LogicalSwitch>(subnet.Lswitch) is { } net && net.Subnets.Contains(subnet.Id))
                    await DetachAsync(plugin, subnet);
            });
            await Plugin.UndoCreateAsync<LogicalSubnet>(subnet.Id);
        }
        if (subnet.DhcpIp is { } dhcp)
            await Plugin.Addresses.ReleaseAsync(subnet.Id, dhcp, DhcpOwner);
        if (lost)
        {
            var reservations = Plugin.Reservations;
            await reservations.Undo.RunAsync(() => reservations.ReleaseOwnedAsync(Reservations.IpTable, subnet.Id, DhcpOwner));
        }
        Plugin.Addresses.Forget(subnet.Id);
    }

    /// <summary>Adds the subnet to its network if its CIDR overlaps none there (CAS on the network).</summary>
    async Task AttachAsync(LogicalSubnet subnet, SubnetCidr cidr)
    {
        var waited = false;
        for (var attempt = 0; ; attempt++)
        {
            var net = await Plugin.Nb.TryGetAsync<LogicalSwitch>(subnet.Lswitch) ?? throw NeutronErrors.NotFound("Network", subnet.Lswitch);
            var overlapped = false;
            foreach (var otherId in net.Subnets)
            {
                if (await Plugin.Nb.TryGetAsync<LogicalSubnet>(otherId) is { } other
                    && SubnetCidr.TryParse(other.Cidr, out var otherCidr, out _) && otherCidr!.Overlaps(cidr))
                    overlapped = true;
            }
            if (overlapped)
            {
                // The other may be a create that failed in an outage and waits for its roll-back
                // (this request may be its retry): look again once pending roll-backs ran.
                if (!waited && Plugin.Reservations.Undo.Count > 0)
                {
                    waited = true;
                    if (await Plugin.Reservations.Undo.DrainedAsync(PendingUndo.DrainTimeout))
                        continue;
                }
                throw NeutronErrors.InvalidInput(
                    $"Requested subnet with cidr: {cidr} for network: {net.Id} overlaps with another subnet");
            }
            net.Subnets.Add(subnet.Id);
            try
            {
                await Plugin.Nb.UpdateAsync(net);
                return;
            }
            catch (NbVersionConflictException) when (attempt < 50)
            {
            }
        }
    }

    static async Task DetachAsync(CorePlugin plugin, LogicalSubnet subnet)
    {
        try
        {
            await plugin.Nb.UpdateAsync<LogicalSwitch>(subnet.Lswitch, n => n.Subnets.Remove(subnet.Id));
        }
        catch (NbKeyNotFoundException)
        {
        }
    }

    async Task<string?> TryClaimDhcpAsync(LogicalSubnet subnet)
    {
        try
        {
            return (await Plugin.Addresses.AllocateAsync(subnet, DhcpOwner)).ToString();
        }
        catch (NeutronException)
        {
            return null; // no free address: the subnet works, only without a DHCP server address
        }
    }

    static IPAddress? Gateway(Input body, SubnetCidr cidr)
    {
        var gateway = body.Ip("gateway_ip");
        if (gateway is null)
            return null;
        if (gateway.AddressFamily != cidr.Family)
            throw NeutronErrors.InvalidInput($"Gateway IP version inconsistent with allocation pool version");
        if (cidr.Range.Contains(gateway) && !cidr.Usable.Contains(gateway) && cidr.IpVersion == 4)
            throw NeutronErrors.InvalidInput($"Gateway is not valid on subnet");
        return gateway;
    }

    static List<AllocationPool> DefaultPools(SubnetCidr cidr, IPAddress? gateway) =>
        cidr.DefaultPools(gateway).Select(p => new AllocationPool(p.FirstAddress.ToString(), p.LastAddress.ToString())).ToList();

    /// <summary>Explicit pools, checked in Neutron's order with Neutron's messages.</summary>
    static List<AllocationPool>? Pools(Input body, SubnetCidr cidr, IPAddress? gateway)
    {
        var array = body.Array("allocation_pools");
        if (array is null)
            return null;
        var ranges = new List<IpRange>();
        foreach (var node in array)
        {
            var pool = Input.Item(node, "allocation pool").Only(["start", "end"]);
            var start = pool.Ip("start") ?? throw NeutronErrors.InvalidInput("allocation pool requires start");
            var end = pool.Ip("end") ?? throw NeutronErrors.InvalidInput("allocation pool requires end");
            if (start.AddressFamily != cidr.Family || end.AddressFamily != cidr.Family)
                throw NeutronErrors.BadRequest($"The allocation pool {start}-{end} is not valid.");
            var range = IpRange.Of(start, end);
            if (range.First > range.Last)
                throw NeutronErrors.BadRequest($"The allocation pool {start}-{end} is not valid.");
            if (!range.Within(cidr.Usable))
                throw NeutronErrors.BadRequest($"The allocation pool {range} spans beyond the subnet cidr {cidr}.");
            ranges.Add(range);
        }
        for (var i = 0; i < ranges.Count; i++)
            for (var j = i + 1; j < ranges.Count; j++)
                if (ranges[i].Overlaps(ranges[j]))
                    throw NeutronErrors.BadRequest($"Found overlapping allocation pools: {ranges[i]} {ranges[j]} for subnet {cidr}.");
        if (PoolContaining(ranges, gateway) is { } conflict)
            throw NeutronErrors.Conflict("GatewayConflictWithAllocationPools", $"Gateway ip {gateway} conflicts with allocation pool {conflict}");
        return ranges.Select(r => new AllocationPool(r.FirstAddress.ToString(), r.LastAddress.ToString())).ToList();
    }

    static IpRange? PoolContaining(IEnumerable<IpRange> pools, IPAddress? address) =>
        address is null ? null : pools.Where(r => r.Contains(address)).Select(r => (IpRange?)r).FirstOrDefault();

    static List<string>? Nameservers(Input body, SubnetCidr cidr)
    {
        var list = body.StringList("dns_nameservers");
        if (list is null)
            return null;
        foreach (var s in list)
        {
            if (!IPAddress.TryParse(s, out _))
                throw NeutronErrors.InvalidInput($"'{s}' is not a valid nameserver. '{s}' is not a valid IP address");
        }
        return list.Select(s => IPAddress.Parse(s).ToString()).ToList();
    }

    static List<HostRoute>? HostRoutes(Input body)
    {
        var array = body.Array("host_routes");
        if (array is null)
            return null;
        var routes = new List<HostRoute>();
        foreach (var node in array)
        {
            var r = Input.Item(node, "host route").Only(["destination", "nexthop"]);
            var destination = r.String("destination", 64);
            if (!SubnetCidr.TryParse(destination, out var cidr, out var err))
                throw NeutronErrors.InvalidInput($"Invalid data format for hostroute: {err}");
            var nexthop = r.Ip("nexthop") ?? throw NeutronErrors.InvalidInput("Invalid data format for hostroute: nexthop required");
            var route = new HostRoute(cidr!.ToString(), nexthop.ToString());
            if (routes.Contains(route))
                throw NeutronErrors.InvalidInput($"Duplicate hostroute '{destination}'");
            routes.Add(route);
        }
        return routes;
    }

    static string? Ipv6Mode(Input body, string name)
    {
        var mode = body.String(name);
        if (mode is not null && !Ipv6Modes.Contains(mode))
            throw NeutronErrors.InvalidInput($"'{mode}' is not in {string.Join(", ", Ipv6Modes)}");
        return mode;
    }

    protected override async Task<LogicalSubnet> UpdateAsync(Caller caller, LogicalSubnet subnet, Input body)
    {
        body.Only(Attributes).ReadOnly("network_id", "cidr", "ip_version", "subnetpool_id", "prefixlen", "use_default_subnetpool", "segment_id", "ipv6_ra_mode", "ipv6_address_mode");
        UpdateCommon(subnet, body);
        SubnetCidr.TryParse(subnet.Cidr, out var cidr, out _);
        var gateway = body.Has("gateway_ip") ? Gateway(body, cidr!) : subnet.GatewayIp is null ? null : IPAddress.Parse(subnet.GatewayIp);
        if (Pools(body, cidr!, gateway) is { } pools)
            subnet.AllocationPools = pools;
        else if (PoolContaining(subnet.AllocationPools.Select(p => IpRange.Of(IPAddress.Parse(p.Start), IPAddress.Parse(p.End))), gateway) is { } conflict)
            throw NeutronErrors.Conflict("GatewayConflictWithAllocationPools", $"Gateway ip {gateway} conflicts with allocation pool {conflict}");
        subnet.GatewayIp = gateway?.ToString();
        if (Nameservers(body, cidr!) is { } ns) subnet.DnsNameservers = ns;
        if (HostRoutes(body) is { } routes) subnet.HostRoutes = routes;
        string? claimed = null, released = null;
        if (body.Bool("enable_dhcp") is { } dhcp && dhcp != subnet.EnableDhcp)
        {
            if (!dhcp && (subnet.Ipv6RaMode ?? subnet.Ipv6AddressMode) is not null)
                throw NeutronErrors.InvalidInput("Cannot disable enable_dhcp with ipv6 attributes set");
            subnet.EnableDhcp = dhcp;
            if (dhcp)
                subnet.DhcpIp = claimed = await TryClaimDhcpAsync(subnet);
            else
                (released, subnet.DhcpIp) = (subnet.DhcpIp, null);
        }
        try
        {
            var updated = await Plugin.Nb.UpdateAsync(subnet);
            if (released is not null)
                await Plugin.Addresses.ReleaseAsync(subnet.Id, released, DhcpOwner);
            return updated;
        }
        catch
        {
            if (claimed is not null)
                await Plugin.Addresses.ReleaseAsync(subnet.Id, claimed, DhcpOwner);
            throw;
        }
    }

    protected override async Task DeleteAsync(Caller caller, LogicalSubnet subnet)
    {
        var owners = (await Plugin.Reservations.OwnersAsync(Reservations.IpTable, subnet.Id)).Where(o => o.Owner != DhcpOwner).ToList();
        // On a SLAAC/DHCPv6-stateless subnet the ports' addresses are their own (from their MACs):
        // as in Neutron they go with the subnet, unless a router interface holds one.
        var auto = AutoAddress.IsAutoAddress(subnet);
        var ports = new List<LogicalPort>();
        foreach (var owner in owners.Select(o => o.Owner).Distinct())
        {
            var port = auto ? await Plugin.Nb.TryGetAsync<LogicalPort>(owner) : null;
            if (port is null || !AutoAddress.TakesAutoAddress(port.DeviceOwner))
                throw NeutronErrors.InUse("SubnetInUse",
                    $"Unable to complete operation on subnet {subnet.Id}: One or more ports have an IP allocation from this subnet.");
            ports.Add(port);
        }
        foreach (var port in ports)
        {
            var gone = port.Ips.Where(i => i.SubnetId == subnet.Id).ToList();
            await Plugin.UpdatePortAsync(port.Id, p => p.Ips = p.Ips.Where(i => i.SubnetId != subnet.Id).ToList());
            foreach (var ip in gone)
                await Plugin.Addresses.ReleaseAsync(subnet.Id, ip.IpAddress, port.Id);
        }
        await RemoveAsync(Plugin, subnet);
    }

    /// <summary>Deletes a subnet that has no ports: the object, its DHCP address, its place on the network.</summary>
    public static Task RemoveAsync(CorePlugin plugin, LogicalSubnet subnet) =>
        plugin.DeleteThenAsync<LogicalSubnet>(subnet.Id, null, async () =>
        {
            if (subnet.DhcpIp is { } dhcp)
                await plugin.Addresses.ReleaseAsync(subnet.Id, dhcp, DhcpOwner);
            plugin.Addresses.Forget(subnet.Id);
            await DetachAsync(plugin, subnet);
            if (subnet.SubnetpoolId is { } pool)
                await plugin.PoolClaims.ReleaseAsync(pool, subnet.Id);
        });
}
