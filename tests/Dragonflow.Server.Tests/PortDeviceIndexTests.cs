using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>?device_id= lists read the NB-kept device index: right after creates, updates and deletes, from any server, and on a DB without index rows.</summary>
public class PortDeviceIndexTests
{
    static async Task<List<string>> PortsOfDeviceAsync(ApiHost api, string device)
    {
        var reply = await api.GetAsync($"/v2.0/ports?device_id={device}");
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Body!["ports"]!.AsArray().Select(p => (string)p!["id"]!).Order().ToList();
    }

    [Fact]
    public async Task Device_filter_follows_writes_made_by_either_of_two_servers()
    {
        await using var a = await ApiHost.StartAsync();
        await using var b = await ApiHost.StartAsync(a.DbPath);
        var net = await a.NetworkAsync();
        await a.SubnetAsync(net, "10.7.0.0/24");
        var p1 = (string)(await a.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["device_id"] = "vm-1" }))["id"]!;
        var p2 = (string)(await b.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["device_id"] = "vm-1" }))["id"]!;
        var p3 = (string)(await b.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["device_id"] = "vm-2" }))["id"]!;
        Assert.Equal(new[] { p1, p2 }.Order(), await PortsOfDeviceAsync(a, "vm-1"));
        Assert.Equal(new[] { p1, p2 }.Order(), await PortsOfDeviceAsync(b, "vm-1"));
        // Repeated filter: either device; combined with another filter: both must hold.
        Assert.Equal(new[] { p1, p2, p3 }.Order(), (await a.GetAsync("/v2.0/ports?device_id=vm-1&device_id=vm-2")).Body!["ports"]!.AsArray().Select(p => (string)p!["id"]!).Order());
        Assert.Empty((await a.GetAsync($"/v2.0/ports?device_id=vm-1&id={p3}")).Body!["ports"]!.AsArray());

        // b moves p1 to vm-2; a sees it at once.
        Assert.Equal(HttpStatusCode.OK, (await b.PutAsync($"/v2.0/ports/{p1}", """{"port":{"device_id":"vm-2"}}""")).Status);
        Assert.Equal([p2], await PortsOfDeviceAsync(a, "vm-1"));
        Assert.Equal(new[] { p1, p3 }.Order(), await PortsOfDeviceAsync(a, "vm-2"));
        // Clearing the device and deleting a port take them out of the index.
        Assert.Equal(HttpStatusCode.OK, (await a.PutAsync($"/v2.0/ports/{p3}", """{"port":{"device_id":""}}""")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await b.DeleteAsync($"/v2.0/ports/{p2}")).Status);
        Assert.Empty(await PortsOfDeviceAsync(b, "vm-1"));
        Assert.Equal([p1], await PortsOfDeviceAsync(b, "vm-2"));
        Assert.Equal([p3], (await a.GetAsync("/v2.0/ports?device_id=")).Body!["ports"]!.AsArray().Select(p => (string)p!["id"]!));
        Assert.Equal(["index_port_device/" + p1], (await a.Nb.Driver.ListAsync("index_port_device")).Select(e => $"{e.Table}/{e.Id}"));
    }

    [Fact]
    public async Task A_server_repairs_missing_or_stale_index_rows_before_its_first_device_list()
    {
        string dbPath;
        string p1, p2;
        await using (var a = await ApiHost.StartAsync())
        {
            var net = await a.NetworkAsync();
            await a.SubnetAsync(net, "10.8.0.0/24");
            p1 = (string)(await a.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["device_id"] = "vm-a" }))["id"]!;
            p2 = (string)(await a.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["device_id"] = "vm-b" }))["id"]!;
            // As a DB written by a server without the index, or a crash between a port write and its row:
            await a.Nb.Driver.DeleteAsync("index_port_device", p1);
            var row = (await a.Nb.Driver.GetAsync("index_port_device", p2))!;
            await a.Nb.Driver.UpdateAsync("index_port_device", p2, row.Value, "vm-a", row.Revision);
            await a.Nb.Driver.CreateAsync("index_port_device", "no-such-port", row.Value, "vm-a");
            dbPath = a.DbPath;
            await using var b = await ApiHost.StartAsync(dbPath);
            Assert.Equal([p1], await PortsOfDeviceAsync(b, "vm-a"));
            Assert.Equal([p2], await PortsOfDeviceAsync(b, "vm-b"));
            Assert.Equal(new[] { p1, p2 }.Order(), (await b.Nb.Driver.ListAsync("index_port_device")).Select(e => e.Id).Order());
        }
    }
}
