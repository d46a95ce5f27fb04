using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;

namespace Dragonflow.Server.Tests;

/// <summary>An external network goes with its unassociated floating IPs; an associated one keeps it.</summary>
public class ExternalNetworkDeleteTests
{
    [Fact]
    public async Task Unassociated_floating_ips_go_with_their_network_but_an_associated_one_keeps_it()
    {
        await using var api = await ApiHost.StartAsync();
        var ext = await api.NetworkAsync("public", new JsonObject { ["router:external"] = true });
        var extSubnet = (string)(await api.SubnetAsync(ext, "172.24.4.0/24", new JsonObject { ["enable_dhcp"] = false }))["id"]!;
        var net = await api.NetworkAsync("private");
        var subnet = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        var router = (string)(await api.CreateAsync("routers", "router", new JsonObject
        {
            ["external_gateway_info"] = new JsonObject { ["network_id"] = ext },
        }))["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsync($"/v2.0/routers/{router}/add_router_interface", $$$"""{"subnet_id": "{{{subnet}}}"}""")).Status);
        var vm = (string)(await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net }))["id"]!;
        var idle = (string)(await api.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext }))["id"]!;
        var used = (string)(await api.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext, ["port_id"] = vm }))["id"]!;

        // The router's gateway and the associated floating IP keep the network; nothing is deleted.
        var before = await api.SnapshotAsync();
        var inUse = await api.DeleteAsync($"/v2.0/networks/{ext}");
        Assert.Equal((HttpStatusCode.Conflict, "NetworkInUse"), (inUse.Status, inUse.ErrorType));
        Assert.Equal(before, await api.SnapshotAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/floatingips/{used}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsync($"/v2.0/routers/{router}", """{"router": {"external_gateway_info": {}}}""")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/networks/{ext}")).Status);

        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/v2.0/floatingips/{idle}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/v2.0/subnets/{extSubnet}")).Status);
        Assert.Empty((await api.Nb.ListAsync<FloatingIp>()).Items);
        Assert.DoesNotContain((await api.Nb.ListAsync<LogicalPort>()).Items, p => p.Lswitch == ext);
    }
}
