using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>net-mtu-writable: a network's MTU is set and changed up to what its type carries.</summary>
public class NetworkMtuTests
{
    [Fact]
    public async Task The_mtu_changes_within_what_the_network_type_carries()
    {
        await using var api = await ApiHost.StartAsync();
        var id = await api.NetworkAsync("n", new JsonObject { ["mtu"] = 1400 });
        var changed = await api.PutAsync($"/v2.0/networks/{id}", """{"network": {"mtu": 1300}}""");
        Assert.Equal(1300, (int)changed.Obj("network")["mtu"]!);
        Assert.Equal(1300, (await api.Nb.GetAsync<Dragonflow.Model.LogicalSwitch>(id)).Mtu);

        var before = await api.SnapshotAsync();
        var tooBig = await api.PutAsync($"/v2.0/networks/{id}", """{"network": {"mtu": 9000}}""");
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid input for operation: Requested MTU is too big, maximum is 1450"), (tooBig.Status, tooBig.ErrorMessage));
        var tooSmall = await api.PutAsync($"/v2.0/networks/{id}", """{"network": {"mtu": 67}}""");
        Assert.Equal(HttpStatusCode.BadRequest, tooSmall.Status);
        var create = await api.PostAsync("/v2.0/networks", """{"network": {"mtu": 1451}}""");
        Assert.Equal(HttpStatusCode.BadRequest, create.Status);
        Assert.Equal(before, await api.SnapshotAsync());
        Assert.Contains((await api.GetAsync("/v2.0/extensions")).Body!["extensions"]!.AsArray(), e => (string?)e!["alias"] == "net-mtu-writable");
    }
}
