using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Server.Auth;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>GET /v2.0/subnets?shared=: a subnet is shared when its network is (Neutron filters on it without showing it).</summary>
public class SharedSubnetFilterTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        tok-admin     ops    admin
        tok-alice     alice  member
        """);

    [Fact]
    public async Task Subnets_filter_on_their_networks_sharing()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, alice) = (Token(api, "tok-admin"), Token(api, "tok-alice"));
        var sharedNet = (string)(await admin.CreateAsync("networks", "network", new JsonObject { ["shared"] = true }))["id"]!;
        var shared = (string)(await admin.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = sharedNet, ["cidr"] = "10.40.0.0/24", ["ip_version"] = 4 }))["id"]!;
        var privateNet = (string)(await alice.CreateAsync("networks", "network", new JsonObject()))["id"]!;
        var priv = (string)(await alice.CreateAsync("subnets", "subnet", new JsonObject { ["network_id"] = privateNet, ["cidr"] = "10.41.0.0/24", ["ip_version"] = 4 }))["id"]!;

        foreach (var client in new[] { admin, alice })
        {
            Assert.Equal([shared], await Ids(client, "shared=True"));
            Assert.Equal([priv], await Ids(client, "shared=false"));
            Assert.Equal(new[] { shared, priv }.Order(), (await Ids(client, "shared=1&shared=0")).Order());
            Assert.Equal([priv], await Ids(client, $"shared=false&network_id={privateNet}"));
        }
        var bad = await alice.GetAsync("/v2.0/subnets?shared=maybe");
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidInput"), (bad.Status, bad.ErrorType));
        Assert.StartsWith("Invalid input for operation: 'maybe' cannot be converted to boolean", bad.ErrorMessage);
        // Still not an attribute a subnet shows.
        Assert.False((await alice.GetAsync($"/v2.0/subnets/{priv}")).Obj("subnet").ContainsKey("shared"));
    }

    static async Task<List<string>> Ids(PolicyClient client, string query)
    {
        var reply = await client.GetAsync($"/v2.0/subnets?{query}");
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return ((JsonArray)reply.Body!["subnets"]!).Select(s => (string)s!["id"]!).ToList();
    }
}
