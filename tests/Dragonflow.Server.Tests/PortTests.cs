using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

public class PortTests
{
    [Fact]
    public async Task A_port_gets_an_address_from_the_pool_a_neutron_mac_and_starts_down()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var subnet = await api.SubnetAsync(net, "10.0.0.0/24");
        var port = await api.CreateAsync("ports", "port", new JsonObject
        {
            ["network_id"] = net, ["device_owner"] = "compute:nova", ["device_id"] = "vm1", ["binding:host_id"] = "chassis-1",
            ["allowed_address_pairs"] = new JsonArray(new JsonObject { ["ip_address"] = "10.0.0.200" }),
        });
        var ip = port["fixed_ips"]![0]!;
        Assert.Equal((string?)subnet["id"], (string?)ip["subnet_id"]);
        // .2 went to the DHCP server address.
        Assert.Equal("10.0.0.3", (string?)ip["ip_address"]);
        Assert.Matches("^fa:16:3e(:[0-9a-f]{2}){3}$", (string)port["mac_address"]!);
        Assert.Equal("DOWN", (string?)port["status"]);
        Assert.Equal("compute:nova", (string?)port["device_owner"]);
        Assert.Equal("chassis-1", (string?)port["binding:host_id"]);
        Assert.Equal("10.0.0.200", (string?)port["allowed_address_pairs"]![0]!["ip_address"]);
        Assert.True((bool)port["port_security_enabled"]!);
        var group = (string)port["security_groups"]![0]!;
        var stored = await api.Nb.GetAsync<Dragonflow.Model.LogicalPort>((string)port["id"]!);
        Assert.True(stored.UniqueKey > 0);
        Assert.Equal("default", (await api.Nb.GetAsync<Dragonflow.Model.SecurityGroup>(group)).Name);
    }

    [Fact]
    public async Task Fixed_ips_are_honoured_or_refused()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var subnet = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        var port = await api.CreateAsync("ports", "port", new JsonObject
        {
            ["network_id"] = net, ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = subnet, ["ip_address"] = "10.0.0.50" }),
        });
        Assert.Equal("10.0.0.50", (string?)port["fixed_ips"]![0]!["ip_address"]);

        var before = await api.SnapshotAsync();
        var taken = await api.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{net}}}", "fixed_ips": [{"ip_address": "10.0.0.50"}]}}""");
        Assert.Equal(HttpStatusCode.Conflict, taken.Status);
        Assert.Equal("IpAddressAlreadyAllocated", taken.ErrorType);
        var outside = await api.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{net}}}", "fixed_ips": [{"subnet_id": "{{{subnet}}}", "ip_address": "10.9.0.5"}]}}""");
        Assert.Equal(HttpStatusCode.BadRequest, outside.Status);
        var mac = (string)port["mac_address"]!;
        var macTaken = await api.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{net}}}", "mac_address": "{{{mac}}}"}}""");
        Assert.Equal(HttpStatusCode.Conflict, macTaken.Status);
        Assert.Equal("MacAddressInUse", macTaken.ErrorType);
        Assert.Equal(before, await api.SnapshotAsync());

        // Moving the port to another address frees the old one.
        var moved = await api.PutAsync($"/v2.0/ports/{port["id"]}", $$$"""{"port": {"fixed_ips": [{"subnet_id": "{{{subnet}}}", "ip_address": "10.0.0.60"}]}}""");
        Assert.Equal(HttpStatusCode.OK, moved.Status);
        Assert.Equal("10.0.0.60", (string?)moved.Obj("port")["fixed_ips"]![0]!["ip_address"]);
        await api.CreateAsync("ports", "port", new JsonObject
        {
            ["network_id"] = net, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.0.0.50" }),
        });
    }

    [Fact]
    public async Task A_full_pool_is_a_conflict_and_a_freed_address_is_reused()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.0.0.0/29", new JsonObject { ["enable_dhcp"] = false }); // pool .2-.6
        var ports = new List<JsonObject>();
        for (var i = 0; i < 5; i++)
            ports.Add(await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net }));
        Assert.Equal(5, ports.Select(p => (string?)p["fixed_ips"]![0]!["ip_address"]).Distinct().Count());
        var full = await api.PostAsync("/v2.0/ports", $$$"""{"port": {"network_id": "{{{net}}}"}}""");
        Assert.Equal(HttpStatusCode.Conflict, full.Status);
        Assert.Equal("IpAddressGenerationFailure", full.ErrorType);
        await api.DeleteAsync($"/v2.0/ports/{ports[2]["id"]}");
        var again = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        Assert.Equal((string?)ports[2]["fixed_ips"]![0]!["ip_address"], (string?)again["fixed_ips"]![0]!["ip_address"]);
    }

    [Fact]
    public async Task A_dual_stack_network_gives_one_address_of_each_family()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.0.0.0/24");
        var v6 = (string)(await api.SubnetAsync(net, "2001:db8:1::/64"))["id"]!;
        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        var ips = port["fixed_ips"]!.AsArray().Select(i => (string)i!["ip_address"]!).ToList();
        Assert.Equal(2, ips.Count);
        Assert.Contains("10.0.0.3", ips);
        Assert.Contains(ips, ip => ip.StartsWith("2001:db8:1::", StringComparison.Ordinal));
        var fixedV6 = await api.CreateAsync("ports", "port", new JsonObject
        {
            ["network_id"] = net, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "2001:db8:1::abcd" }),
        });
        Assert.Equal(v6, (string?)fixedV6["fixed_ips"]![0]!["subnet_id"]);
    }

    [Fact]
    public async Task Port_security_off_with_groups_is_refused()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["port_security_enabled"] = false });
        Assert.Empty(port["security_groups"]!.AsArray());
        var reply = await api.PutAsync($"/v2.0/ports/{port["id"]}", """{"port": {"allowed_address_pairs": [{"ip_address": "1.2.3.4"}]}}""");
        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
    }

    [Fact]
    public async Task Two_servers_on_one_database_never_hand_out_the_same_ip_or_mac()
    {
        await using var a = await ApiHost.StartAsync();
        await using var b = await ApiHost.StartAsync(a.DbPath);
        var net = await a.NetworkAsync();
        await a.SubnetAsync(net, "10.0.0.0/24");
        var body = $$$"""{"port": {"network_id": "{{{net}}}"}}""";
        var creates = Enumerable.Range(0, 120).Select(i => (i % 2 == 0 ? a : b).PostAsync("/v2.0/ports", body)).ToList();
        var replies = await Task.WhenAll(creates);
        Assert.All(replies, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        var ips = replies.Select(r => (string?)r.Obj("port")["fixed_ips"]![0]!["ip_address"]).ToList();
        var macs = replies.Select(r => (string?)r.Obj("port")["mac_address"]).ToList();
        Assert.Equal(120, ips.Distinct().Count());
        Assert.Equal(120, macs.Distinct().Count());
    }
}
