using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

public class FloatingIpPortDeleteTests
{
    [Fact]
    public async Task Deleting_a_port_leaves_its_floating_ip_unassociated()
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
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsync($"/v2.0/routers/{router["id"]}/add_router_interface", $$$"""{"subnet_id": "{{{subnet}}}"}""")).Status);
        var vm = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        var fip = await api.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext, ["port_id"] = vm["id"]!.DeepClone() });
        Assert.Equal((string?)vm["id"], (string?)fip["port_id"]);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/ports/{vm["id"]}")).Status);

        var shown = (await api.GetAsync($"/v2.0/floatingips/{fip["id"]}")).Obj("floatingip");
        Assert.Equal((string?)fip["floating_ip_address"], (string?)shown["floating_ip_address"]);
        Assert.Null((string?)shown["port_id"]);
        Assert.Null((string?)shown["fixed_ip_address"]);
        Assert.Null((string?)shown["router_id"]);
        Assert.Equal("DOWN", (string?)shown["status"]);
    }
}
