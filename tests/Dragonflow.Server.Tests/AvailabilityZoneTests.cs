using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>One availability zone, nova, for networks and routers; hints naming another are refused.</summary>
public class AvailabilityZoneTests
{
    [Fact]
    public async Task Networks_and_routers_are_in_nova_and_hints_are_checked()
    {
        await using var api = await ApiHost.StartAsync();
        var zones = (await api.GetAsync("/v2.0/availability_zones")).Body!["availability_zones"]!.AsArray();
        Assert.Equal(["network/nova/available", "router/nova/available"],
            zones.Select(z => $"{z!["resource"]}/{z["name"]}/{z["state"]}").Order());
        Assert.Equal("router", (string?)Assert.Single((await api.GetAsync("/v2.0/availability_zones?resource=router")).Body!["availability_zones"]!.AsArray())!["resource"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/v2.0/availability_zones?colour=red")).Status);

        var net = await api.CreateAsync("networks", "network", new JsonObject { ["availability_zone_hints"] = new JsonArray("nova") });
        Assert.Equal(["nova"], net["availability_zone_hints"]!.AsArray().Select(h => (string)h!));
        Assert.Equal(["nova"], net["availability_zones"]!.AsArray().Select(h => (string)h!));
        var router = await api.CreateAsync("routers", "router", new JsonObject { ["name"] = "r" });
        Assert.Empty(router["availability_zone_hints"]!.AsArray());
        Assert.Equal(["nova"], router["availability_zones"]!.AsArray().Select(h => (string)h!));

        var before = await api.SnapshotAsync();
        var unknown = await api.PostAsync("/v2.0/routers", """{"router": {"name": "r", "availability_zone_hints": ["zone-9"]}}""");
        Assert.Equal((HttpStatusCode.NotFound, "AvailabilityZoneNotFound", "AvailabilityZone zone-9 could not be found."), (unknown.Status, unknown.ErrorType, unknown.ErrorMessage));
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsync("/v2.0/networks", """{"network": {"availability_zone_hints": "nova"}}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsync("/v2.0/networks", """{"network": {"availability_zone_hints": ["nova", "nova"]}}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsync($"/v2.0/networks/{net["id"]}", """{"network": {"availability_zone_hints": ["nova"]}}""")).Status);
        Assert.Equal(before, await api.SnapshotAsync());
    }
}
