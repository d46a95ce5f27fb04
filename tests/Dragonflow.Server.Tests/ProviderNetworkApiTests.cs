using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>
/// provider:* on network create, validated as Neutron does: VLAN ids 1..4094, a VLAN id taken
/// on its physical network is a conflict (on another physical network it is free), flat takes a
/// physical network and no id and only one flat network per physical network, a VLAN network
/// without an id gets one from [ml2_type_vlan] network_vlan_ranges or is refused. Refusals
/// leave NB unchanged.
/// </summary>
public sealed class ProviderNetworkApiTests
{
    private static JsonObject Vlan(string physnet, int? id)
    {
        var body = new JsonObject { ["provider:network_type"] = "vlan", ["provider:physical_network"] = physnet };
        if (id is { } v) body["provider:segmentation_id"] = v;
        return body;
    }

    private static string Body(JsonObject network) => new JsonObject { ["network"] = network.DeepClone() }.ToJsonString();

    [Fact]
    public async Task Vlan_ids_outside_1_to_4094_are_invalid_and_a_taken_one_conflicts_on_its_physical_network_only()
    {
        await using var api = await ApiHost.StartAsync();
        var before = await api.SnapshotAsync();
        foreach (var id in new[] { 0, 4095, -1 })
        {
            var bad = await api.PostAsync("/v2.0/networks", Body(Vlan("physnet1", id)));
            Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
            Assert.Equal("InvalidInput", bad.ErrorType);
        }
        Assert.Equal(before, await api.SnapshotAsync());

        var first = await api.CreateAsync("networks", "network", Vlan("physnet1", 100));
        Assert.Equal("vlan", (string?)first["provider:network_type"]);
        Assert.Equal("physnet1", (string?)first["provider:physical_network"]);
        Assert.Equal(100, (int)first["provider:segmentation_id"]!);

        var taken = await api.SnapshotAsync();
        var dup = await api.PostAsync("/v2.0/networks", Body(Vlan("physnet1", 100)));
        Assert.Equal(HttpStatusCode.Conflict, dup.Status);
        Assert.Equal("VlanIdInUse", dup.ErrorType);
        Assert.Equal(taken, await api.SnapshotAsync());

        var elsewhere = await api.CreateAsync("networks", "network", Vlan("physnet2", 100));
        Assert.Equal(100, (int)elsewhere["provider:segmentation_id"]!);

        // Deleting the network gives its VLAN id back.
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/networks/{first["id"]}")).Status);
        await api.CreateAsync("networks", "network", Vlan("physnet1", 100));
    }

    [Fact]
    public async Task A_flat_network_needs_a_physical_network_takes_no_id_and_is_alone_on_it()
    {
        await using var api = await ApiHost.StartAsync();
        var before = await api.SnapshotAsync();
        var noPhysnet = await api.PostAsync("/v2.0/networks", """{"network": {"provider:network_type": "flat"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, noPhysnet.Status);
        var withId = await api.PostAsync("/v2.0/networks",
            """{"network": {"provider:network_type": "flat", "provider:physical_network": "physnet1", "provider:segmentation_id": 5}}""");
        Assert.Equal(HttpStatusCode.BadRequest, withId.Status);
        Assert.Equal("InvalidInput", withId.ErrorType);
        Assert.Equal(before, await api.SnapshotAsync());

        var flat = await api.CreateAsync("networks", "network", new JsonObject { ["provider:network_type"] = "flat", ["provider:physical_network"] = "physnet1" });
        Assert.Null(flat["provider:segmentation_id"]);
        var one = await api.SnapshotAsync();
        var second = await api.PostAsync("/v2.0/networks", """{"network": {"provider:network_type": "flat", "provider:physical_network": "physnet1"}}""");
        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.Equal("FlatNetworkInUse", second.ErrorType);
        Assert.Equal(one, await api.SnapshotAsync());
        // A VLAN network on the same physical network is fine (tagged beside the untagged one).
        await api.CreateAsync("networks", "network", Vlan("physnet1", 10));

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/networks/{flat["id"]}")).Status);
        await api.CreateAsync("networks", "network", new JsonObject { ["provider:network_type"] = "flat", ["provider:physical_network"] = "physnet1" });
    }

    [Fact]
    public async Task A_vlan_network_without_an_id_gets_one_from_its_physical_networks_range_or_is_refused()
    {
        await using var api = await ApiHost.StartAsync(vlanRanges: ["physnet1:200:201", "physnet2"]);
        var a = await api.CreateAsync("networks", "network", Vlan("physnet1", null));
        var b = await api.CreateAsync("networks", "network", Vlan("physnet1", null));
        Assert.Equal([200, 201], new[] { (int)a["provider:segmentation_id"]!, (int)b["provider:segmentation_id"]! }.Order());

        var before = await api.SnapshotAsync();
        foreach (var physnet in new[] { "physnet2", "physnet3" })
        {
            var refused = await api.PostAsync("/v2.0/networks", Body(Vlan(physnet, null)));
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Equal("InvalidInput", refused.ErrorType);
            Assert.Contains(physnet, refused.ErrorMessage);
        }
        Assert.Equal(before, await api.SnapshotAsync());
        // An explicit id needs no range.
        await api.CreateAsync("networks", "network", Vlan("physnet2", 7));
    }

    [Fact]
    public async Task Without_vlan_ranges_a_vlan_network_must_name_its_id()
    {
        await using var api = await ApiHost.StartAsync();
        var refused = await api.PostAsync("/v2.0/networks", Body(Vlan("physnet1", null)));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("InvalidInput", refused.ErrorType);
    }
}
