using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>
/// SLAAC and DHCPv6-stateless subnets: a port's address there is the EUI-64 one of its MAC
/// (RFC 4291), not a pool address; such a subnet goes with its addresses; bad mode
/// combinations are refused as Neutron refuses them.
/// </summary>
public class Ipv6AutoAddressTests
{
    const string Mac = "fa:16:3e:12:34:56";

    static Dictionary<string, string> Addresses(JsonObject port) =>
        port["fixed_ips"]!.AsArray().ToDictionary(i => (string)i!["subnet_id"]!, i => (string)i!["ip_address"]!);

    [Theory]
    [InlineData("slaac", "slaac")]
    [InlineData("dhcpv6-stateless", "dhcpv6-stateless")]
    [InlineData(null, "slaac")]
    [InlineData(null, "dhcpv6-stateless")]
    [InlineData("slaac", null)]
    public async Task A_port_takes_the_eui64_address_of_its_mac_beside_its_allocated_ones(string? raMode, string? addressMode)
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var v4 = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        var stateful = (string)(await api.SubnetAsync(net, "2001:db8:2::/64", new JsonObject { ["ipv6_address_mode"] = "dhcpv6-stateful" }))["id"]!;
        var modes = new JsonObject();
        if (raMode is not null) modes["ipv6_ra_mode"] = raMode;
        if (addressMode is not null) modes["ipv6_address_mode"] = addressMode;
        var auto = (string)(await api.SubnetAsync(net, "2001:db8:1::/64", modes))["id"]!;

        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["mac_address"] = Mac });
        var ips = Addresses(port);
        Assert.Equal(3, ips.Count);
        Assert.Equal("10.0.0.3", ips[v4]);
        Assert.StartsWith("2001:db8:2::", ips[stateful]);
        // fa:16:3e:12:34:56 → interface f816:3eff:fe12:3456 (universal/local bit flipped, ff:fe inserted).
        Assert.Equal("2001:db8:1:0:f816:3eff:fe12:3456", ips[auto]);

        // Asked by subnet only, the address is the EUI-64 one too; an address of one's own is refused.
        var other = await api.CreateAsync("ports", "port", new JsonObject
        {
            ["network_id"] = net, ["mac_address"] = "fa:16:3e:00:00:01", ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = auto }),
        });
        Assert.Equal("2001:db8:1:0:f816:3eff:fe00:1", Assert.Single(Addresses(other)).Value);
        var before = await api.SnapshotAsync();
        var chosen = await api.PostAsync("/v2.0/ports", new JsonObject { ["port"] = new JsonObject
        {
            ["network_id"] = net, ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = auto, ["ip_address"] = "2001:db8:1::99" }),
        } }.ToJsonString());
        Assert.Equal((HttpStatusCode.BadRequest, "AllocationOnAutoAddressSubnet"), (chosen.Status, chosen.ErrorType));
        Assert.Equal($"IPv6 address 2001:db8:1::99 cannot be directly assigned to a port on subnet {auto} as the subnet is configured for automatic addresses", chosen.ErrorMessage);
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Fact]
    public async Task A_new_mac_moves_the_eui64_address()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var auto = (string)(await api.SubnetAsync(net, "2001:db8:1::/64", new JsonObject { ["ipv6_ra_mode"] = "slaac", ["ipv6_address_mode"] = "slaac" }))["id"]!;
        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["mac_address"] = Mac });
        var moved = (await api.PutAsync($"/v2.0/ports/{port["id"]}", """{"port": {"mac_address": "fa:16:3e:ab:cd:ef"}}""")).Obj("port");
        Assert.Equal("2001:db8:1:0:f816:3eff:feab:cdef", Addresses(moved)[auto]);
        // The old address is free: a port with the old MAC takes it.
        var again = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["mac_address"] = Mac });
        Assert.Equal("2001:db8:1:0:f816:3eff:fe12:3456", Addresses(again)[auto]);
    }

    [Theory]
    [InlineData("slaac")]
    [InlineData("dhcpv6-stateless")]
    public async Task The_subnet_goes_with_its_ports_addresses_but_the_network_stays_while_ports_remain(string mode)
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var v4 = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        var auto = (string)(await api.SubnetAsync(net, "2001:db8:1::/64", new JsonObject { ["ipv6_ra_mode"] = mode, ["ipv6_address_mode"] = mode }))["id"]!;
        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        Assert.Equal(2, Addresses(port).Count);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/subnets/{auto}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/v2.0/subnets/{auto}")).Status);
        Assert.Equal([v4], Addresses((await api.GetAsync($"/v2.0/ports/{port["id"]}")).Obj("port")).Keys);
        var inUse = await api.DeleteAsync($"/v2.0/networks/{net}");
        Assert.Equal(HttpStatusCode.Conflict, inUse.Status);
        Assert.Contains("There are one or more ports still in use on the network", inUse.ErrorMessage);
    }

    [Fact]
    public async Task A_router_interface_keeps_an_automatic_address_subnet()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var auto = (string)(await api.SubnetAsync(net, "2001:db8:1::/64", new JsonObject { ["ipv6_ra_mode"] = "slaac", ["ipv6_address_mode"] = "slaac" }))["id"]!;
        var router = (string)(await api.CreateAsync("routers", "router", new JsonObject { ["name"] = "r" }))["id"]!;
        var added = await api.PutAsync($"/v2.0/routers/{router}/add_router_interface", $$$"""{"subnet_id": "{{{auto}}}"}""");
        Assert.Equal(HttpStatusCode.OK, added.Status);
        var before = await api.SnapshotAsync();
        var inUse = await api.DeleteAsync($"/v2.0/subnets/{auto}");
        Assert.Equal((HttpStatusCode.Conflict, "SubnetInUse"), (inUse.Status, inUse.ErrorType));
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Theory]
    [InlineData("2001:db8:1::/80", "slaac", "slaac", true, "Invalid CIDR 2001:db8:1::/80 for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64")]
    [InlineData("2001:db8:1::/64", "slaac", "dhcpv6-stateless", true, "ipv6_ra_mode set to 'slaac' with ipv6_address_mode set to 'dhcpv6-stateless' is not valid. If both attributes are set, they must be the same value")]
    [InlineData("2001:db8:1::/64", "dhcpv6-stateful", "slaac", true, "ipv6_ra_mode set to 'dhcpv6-stateful' with ipv6_address_mode set to 'slaac' is not valid. If both attributes are set, they must be the same value")]
    [InlineData("2001:db8:1::/64", null, "slaac", false, "ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False")]
    public async Task Bad_mode_combinations_are_refused(string cidr, string? raMode, string? addressMode, bool dhcp, string message)
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var before = await api.SnapshotAsync();
        var subnet = new JsonObject { ["network_id"] = net, ["cidr"] = cidr, ["ip_version"] = 6, ["enable_dhcp"] = dhcp };
        if (raMode is not null) subnet["ipv6_ra_mode"] = raMode;
        if (addressMode is not null) subnet["ipv6_address_mode"] = addressMode;
        var reply = await api.PostAsync("/v2.0/subnets", new JsonObject { ["subnet"] = subnet }.ToJsonString());
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidInput"), (reply.Status, reply.ErrorType));
        Assert.Equal($"Invalid input for operation: {message}", reply.ErrorMessage);
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Fact]
    public async Task Dhcp_stays_on_while_ipv6_modes_are_set()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var auto = (string)(await api.SubnetAsync(net, "2001:db8:1::/64", new JsonObject { ["ipv6_address_mode"] = "slaac" }))["id"]!;
        var before = await api.SnapshotAsync();
        var reply = await api.PutAsync($"/v2.0/subnets/{auto}", """{"subnet": {"enable_dhcp": false}}""");
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid input for operation: Cannot disable enable_dhcp with ipv6 attributes set"), (reply.Status, reply.ErrorMessage));
        Assert.Equal(before, await api.SnapshotAsync());
    }
}
