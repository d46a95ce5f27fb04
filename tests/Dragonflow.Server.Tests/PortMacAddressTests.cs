using System.Net;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Auth;
using static Dragonflow.Server.Tests.PolicyClient;

namespace Dragonflow.Server.Tests;

/// <summary>An admin changes an unbound port's mac_address, or has a new one generated (mac_address: null).</summary>
public class PortMacAddressTests
{
    static readonly StaticTokens Tokens = StaticTokens.Parse("""
        tok-admin     ops    admin
        tok-alice     alice  member
        """);

    [Fact]
    public async Task An_admin_changes_or_regenerates_the_mac_of_an_unbound_port_to_a_free_one()
    {
        await using var api = await ApiHost.StartAsync(tokens: Tokens);
        var (admin, alice) = (Token(api, "tok-admin"), Token(api, "tok-alice"));
        var net = (string)(await alice.CreateAsync("networks", "network", new JsonObject()))["id"]!;
        var port = await alice.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        var other = await alice.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        var (id, oldMac) = ((string)port["id"]!, (string)port["mac_address"]!);
        var path = $"/v2.0/ports/{id}";

        AssertRefused(await alice.PutAsync(path, "port", new JsonObject { ["mac_address"] = "12:34:56:78:be:6d" }), "(rule:update_port and rule:update_port:mac_address)");
        var before = await api.SnapshotAsync();
        var taken = await admin.PutAsync(path, "port", new JsonObject { ["mac_address"] = (string)other["mac_address"]! });
        Assert.Equal((HttpStatusCode.Conflict, "MacAddressInUse"), (taken.Status, taken.ErrorType));
        var invalid = await admin.PutAsync(path, "port", new JsonObject { ["mac_address"] = "01:00:5e:00:00:01" });
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidInput"), (invalid.Status, invalid.ErrorType));
        Assert.Equal(before, await api.SnapshotAsync());

        var changed = (await admin.PutAsync(path, "port", new JsonObject { ["mac_address"] = "12:34:56:78:BE:6D" })).Obj("port");
        Assert.Equal("12:34:56:78:be:6d", (string?)changed["mac_address"]);
        Assert.Equal(["12:34:56:78:be:6d"], (await api.Nb.GetAsync<LogicalPort>(id)).Macs);
        // The old MAC is free again; the new one is taken.
        await alice.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["mac_address"] = oldMac });
        var clash = await alice.PostAsync("ports", "port", new JsonObject { ["network_id"] = net, ["mac_address"] = "12:34:56:78:be:6d" });
        Assert.Equal((HttpStatusCode.Conflict, "MacAddressInUse"), (clash.Status, clash.ErrorType));
        // Another update leaves the MAC alone.
        Assert.Equal("12:34:56:78:be:6d", (string?)(await admin.PutAsync(path, "port", new JsonObject { ["description"] = "d" })).Obj("port")["mac_address"]);

        var regenerated = (string)(await admin.PutAsync(path, "port", new JsonObject { ["mac_address"] = null })).Obj("port")["mac_address"]!;
        Assert.Matches("^fa:16:3e(:[0-9a-f]{2}){3}$", regenerated);
        await alice.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["mac_address"] = "12:34:56:78:be:6d" });

        // Once bound to a host the MAC stays (ML2's PortBound).
        await admin.PutAsync(path, "port", new JsonObject { ["binding:host_id"] = "chassis-1" });
        before = await api.SnapshotAsync();
        var bound = await admin.PutAsync(path, "port", new JsonObject { ["mac_address"] = "12:34:56:78:be:6e" });
        Assert.Equal((HttpStatusCode.Conflict, "PortBound"), (bound.Status, bound.ErrorType));
        Assert.Equal(before, await api.SnapshotAsync());
    }
}
