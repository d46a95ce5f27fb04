using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>fip-port-details: an associated floating IP shows its port's details as they are now.</summary>
public class FloatingIpPortDetailsTests
{
    [Fact]
    public async Task An_associated_floating_ip_shows_its_ports_details_and_an_unassociated_one_none()
    {
        await using var api = await ApiHost.StartAsync();
        var ext = await api.NetworkAsync("public", new JsonObject { ["router:external"] = true });
        await api.SubnetAsync(ext, "172.24.4.0/24", new JsonObject { ["enable_dhcp"] = false });
        var net = await api.NetworkAsync("private");
        var subnet = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        var router = (string)(await api.CreateAsync("routers", "router", new JsonObject { ["external_gateway_info"] = new JsonObject { ["network_id"] = ext } }))["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsync($"/v2.0/routers/{router}/add_router_interface", $$$"""{"subnet_id": "{{{subnet}}}"}""")).Status);
        var vm = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["name"] = "vm1", ["device_id"] = "server-1", ["device_owner"] = "compute:nova" });
        var fip = await api.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext, ["port_id"] = vm["id"]!.DeepClone() });

        var details = fip["port_details"]!;
        Assert.Equal(("vm1", net, (string?)vm["mac_address"], true, "DOWN", "server-1", "compute:nova"),
            ((string?)details["name"], (string?)details["network_id"], (string?)details["mac_address"], (bool)details["admin_state_up"]!,
             (string?)details["status"], (string?)details["device_id"], (string?)details["device_owner"]));
        // The port's own changes show through.
        await api.PutAsync($"/v2.0/ports/{vm["id"]}", """{"port": {"name": "renamed", "admin_state_up": false}}""");
        var listed = (await api.GetAsync("/v2.0/floatingips")).Body!["floatingips"]![0]!["port_details"]!;
        Assert.Equal(("renamed", false), ((string?)listed["name"], (bool)listed["admin_state_up"]!));

        var idle = await api.CreateAsync("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext });
        Assert.Null(idle["port_details"]);
        Assert.Contains((await api.GetAsync("/v2.0/extensions")).Body!["extensions"]!.AsArray(), e => (string?)e!["alias"] == "fip-port-details");
    }
}
