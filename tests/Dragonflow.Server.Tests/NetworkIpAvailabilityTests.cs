using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Server.Auth;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>network-ip-availability: pool sizes and held addresses per network and subnet, for admins only.</summary>
public class NetworkIpAvailabilityTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        tok-admin     ops    admin
        tok-alice     alice  member
        """);

    static JsonObject Of(JsonNode list, string net) =>
        (JsonObject)list["network_ip_availabilities"]!.AsArray().Single(a => (string?)a!["network_id"] == net)!;

    [Fact]
    public async Task Totals_are_the_pools_and_used_counts_every_address_held()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, alice) = (Token(api, "tok-admin"), Token(api, "tok-alice"));
        var net = (string)(await alice.CreateAsync("networks", "network", new JsonObject { ["name"] = "n" }))["id"]!;
        var listed = await admin.GetAsync("/v2.0/network-ip-availabilities");
        Assert.True(listed.Status == HttpStatusCode.OK, listed.Text);
        var empty = Of(listed.Body!, net);
        Assert.Equal((0, 0, "n", "alice"), ((int)empty["total_ips"]!, (int)empty["used_ips"]!, (string?)empty["network_name"], (string?)empty["project_id"]));

        var v4 = (string)(await alice.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = net, ["cidr"] = "10.0.0.0/28", ["ip_version"] = 4, ["enable_dhcp"] = false }))["id"]!;
        var v6 = (string)(await alice.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = net, ["cidr"] = "2001:db8::/64", ["ip_version"] = 6 }))["id"]!;
        var port = (string)(await alice.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net }))["id"]!;

        var shown = (await admin.GetAsync($"/v2.0/network-ip-availabilities/{net}")).Obj("network_ip_availability");
        var subnets = shown["subnet_ip_availability"]!.AsArray().ToDictionary(s => (string)s!["subnet_id"]!);
        // A /28 less network, broadcast and gateway addresses: 13; the port holds one.
        Assert.Equal((13, 1, 4), ((int)subnets[v4]!["total_ips"]!, (int)subnets[v4]!["used_ips"]!, (int)subnets[v4]!["ip_version"]!));
        // The IPv6 pool is larger than a long; the port and the DHCP server hold one address each.
        Assert.Equal(("18446744073709551615", 2), (subnets[v6]!["total_ips"]!.ToJsonString(), (int)subnets[v6]!["used_ips"]!));
        Assert.Equal(3, (int)shown["used_ips"]!);
        Assert.Single((await admin.GetAsync("/v2.0/network-ip-availabilities?ip_version=4")).Body!["network_ip_availabilities"]!.AsArray());

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/v2.0/ports/{port}")).Status);
        Assert.Equal(1, (int)(await admin.GetAsync($"/v2.0/network-ip-availabilities/{net}")).Obj("network_ip_availability")["used_ips"]!);

        // Admin only: others list nothing and find nothing.
        Assert.Empty((await alice.GetAsync("/v2.0/network-ip-availabilities")).Body!["network_ip_availabilities"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/v2.0/network-ip-availabilities/{net}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/v2.0/network-ip-availabilities/6f1c1d1e-0000-4000-8000-000000000000")).Status);
        var bad = await admin.GetAsync("/v2.0/network-ip-availabilities?colour=red");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
    }
}
