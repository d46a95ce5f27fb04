using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

public class RouterFloatingIpTests
{
    [Fact]
    public async Task Router_interfaces_gateway_routes_and_floating_ips()
    {
        await using var api = await ApiHost.StartAsync();
        var ext = await api.NetworkAsync("public", new JsonObject { ["router:external"] = true });
        await api.SubnetAsync(ext, "172.24.4.0/24", new JsonObject { ["enable_dhcp"] = false });
        var net = await api.NetworkAsync("private");
        var subnet = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;

        var router = await api.CreateAsync("routers", "router", new JsonObject
        {
            ["name"] = "r1", ["external_gateway_info"] = new JsonObject { ["network_id"] = ext },
        });
        var rid = (string)router["id"]!;
        var gw = router["external_gateway_info"]!;
        Assert.Equal(ext, (string?)gw["network_id"]);
        Assert.Equal("172.24.4.2", (string?)gw["external_fixed_ips"]![0]!["ip_address"]);

        var add = await api.PutAsync($"/v2.0/routers/{rid}/add_router_interface", $$$"""{"subnet_id": "{{{subnet}}}"}""");
        Assert.Equal(HttpStatusCode.OK, add.Status);
        var ifacePort = (await api.GetAsync($"/v2.0/ports/{add.Body!["port_id"]}")).Obj("port");
        Assert.Equal("network:router_interface", (string?)ifacePort["device_owner"]);
        Assert.Equal(rid, (string?)ifacePort["device_id"]);
        Assert.Equal("10.0.0.1", (string?)ifacePort["fixed_ips"]![0]!["ip_address"]);
        // The distributed router serves its ports on every chassis: they are up at once.
        Assert.Equal("ACTIVE", (string?)ifacePort["status"]);
        var gwPorts = (await api.GetAsync($"/v2.0/ports?device_owner=network:router_gateway&device_id={rid}")).Body!["ports"]!.AsArray();
        Assert.Equal("ACTIVE", (string?)Assert.Single(gwPorts)!["status"]);
        var again = await api.PutAsync($"/v2.0/routers/{rid}/add_router_interface", $$$"""{"subnet_id": "{{{subnet}}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await api.DeleteAsync($"/v2.0/ports/{ifacePort["id"]}")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await api.DeleteAsync($"/v2.0/routers/{rid}")).Status);

        var routes = await api.PutAsync($"/v2.0/routers/{rid}", """{"router": {"routes": [{"destination": "192.168.0.0/24", "nexthop": "10.0.0.10"}]}}""");
        Assert.Equal(HttpStatusCode.OK, routes.Status);
        var badRoute = await api.PutAsync($"/v2.0/routers/{rid}", """{"router": {"routes": [{"destination": "192.168.0.0/24", "nexthop": "10.9.9.9"}]}}""");
        Assert.Equal(HttpStatusCode.BadRequest, badRoute.Status);
        await api.PutAsync($"/v2.0/routers/{rid}", """{"router": {"routes": []}}""");

        var vm = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        var fip = await api.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext, ["port_id"] = vm["id"]!.DeepClone() });
        Assert.Equal(rid, (string?)fip["router_id"]);
        Assert.Equal((string?)vm["fixed_ips"]![0]!["ip_address"], (string?)fip["fixed_ip_address"]);
        Assert.StartsWith("172.24.4.", (string)fip["floating_ip_address"]!);
        var off = await api.PutAsync($"/v2.0/floatingips/{fip["id"]}", """{"floatingip": {"port_id": null}}""");
        Assert.Null((string?)off.Obj("floatingip")["port_id"]);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/floatingips/{fip["id"]}")).Status);

        // A private network is not a valid floating network.
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsync("/v2.0/floatingips", $$$"""{"floatingip": {"floating_network_id": "{{{net}}}"}}""")).Status);

        var remove = await api.PutAsync($"/v2.0/routers/{rid}/remove_router_interface", $$$"""{"subnet_id": "{{{subnet}}}"}""");
        Assert.Equal(HttpStatusCode.OK, remove.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/v2.0/ports/{ifacePort["id"]}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PutAsync($"/v2.0/routers/{rid}/remove_router_interface", $$$"""{"subnet_id": "{{{subnet}}}"}""")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/routers/{rid}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/ports/{vm["id"]}")).Status);
        // Gateway port went with the router: the external network can go now.
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/networks/{ext}")).Status);
    }

    [Fact]
    public async Task A_port_can_become_a_router_interface()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.0.0.0/24");
        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        var rid = (string)(await api.CreateAsync("routers", "router", new JsonObject { ["name"] = "r" }))["id"]!;
        var add = await api.PutAsync($"/v2.0/routers/{rid}/add_router_interface", $$$"""{"port_id": "{{{port["id"]}}}"}""");
        Assert.Equal(HttpStatusCode.OK, add.Status);
        var shown = (await api.GetAsync($"/v2.0/ports/{port["id"]}")).Obj("port");
        Assert.Equal("network:router_interface", (string?)shown["device_owner"]);
        Assert.Equal("DOWN", (string?)port["status"]);
        Assert.Equal("ACTIVE", (string?)shown["status"]);
        var router = await api.Nb.GetAsync<Dragonflow.Model.LogicalRouter>(rid);
        Assert.Equal((string?)port["mac_address"], Assert.Single(router.Ports).Mac);
        var remove = await api.PutAsync($"/v2.0/routers/{rid}/remove_router_interface", $$$"""{"port_id": "{{{port["id"]}}}"}""");
        Assert.Equal(HttpStatusCode.OK, remove.Status);
    }
}
