using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>standard-attr-timestamp, standard-attr-revisions and standard-attr-tag on every standard resource.</summary>
public class StandardAttributeTests
{
    const string NeutronTime = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$";

    /// <summary>One of each resource, with what it needs; (collection, member, id).</summary>
    static async Task<List<(string Collection, string Member, string Id)>> OneOfEachAsync(ApiHost api)
    {
        var ext = await api.NetworkAsync("ext", new JsonObject { ["router:external"] = true });
        await api.SubnetAsync(ext, "172.24.4.0/24");
        var net = await api.NetworkAsync("net");
        var subnet = (string)(await api.SubnetAsync(net, "10.0.0.0/24"))["id"]!;
        async Task<string> Create(string collection, string member, JsonObject body) => (string)(await api.CreateAsync(collection, member, body))["id"]!;
        return
        [
            ("networks", "network", net),
            ("subnets", "subnet", subnet),
            ("ports", "port", await Create("ports", "port", new JsonObject { ["network_id"] = net })),
            ("routers", "router", await Create("routers", "router", new JsonObject { ["name"] = "r" })),
            ("floatingips", "floatingip", await Create("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = ext })),
            ("security-groups", "security_group", await Create("security-groups", "security_group", new JsonObject { ["name"] = "g" })),
            ("subnetpools", "subnetpool", await Create("subnetpools", "subnetpool", new JsonObject { ["prefixes"] = new JsonArray("10.200.0.0/16") })),
            ("address-scopes", "address_scope", await Create("address-scopes", "address_scope", new JsonObject { ["ip_version"] = 4 })),
        ];
    }

    [Fact]
    public async Task Every_resource_has_timestamps_a_revision_that_counts_updates_and_a_revision_constraint()
    {
        await using var api = await ApiHost.StartAsync();
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        foreach (var (collection, member, id) in await OneOfEachAsync(api))
        {
            var shown = (await api.GetAsync($"/v2.0/{collection}/{id}")).Obj(member);
            Assert.Matches(NeutronTime, (string)shown["created_at"]!);
            Assert.Matches(NeutronTime, (string)shown["updated_at"]!);
            Assert.True(DateTimeOffset.Parse((string)shown["created_at"]!) >= start.AddSeconds(-1), collection);
            var revision = (long)shown["revision_number"]!;

            var stale = await api.SendAsync(HttpMethod.Put, $"/v2.0/{collection}/{id}", new JsonObject { [member] = new JsonObject { ["description"] = "x" } }.ToJsonString(),
                headers: new() { ["If-Match"] = $"revision_number={revision + 5}" });
            Assert.Equal((HttpStatusCode.PreconditionFailed, "RevisionNumberConstraintFailed"), (stale.Status, stale.ErrorType));
            var updated = await api.SendAsync(HttpMethod.Put, $"/v2.0/{collection}/{id}", new JsonObject { [member] = new JsonObject { ["description"] = "x" } }.ToJsonString(),
                headers: new() { ["If-Match"] = $"revision_number={revision}" });
            Assert.Equal(HttpStatusCode.OK, updated.Status);
            Assert.Equal(revision + 1, (long)updated.Obj(member)["revision_number"]!);
            Assert.True(string.CompareOrdinal((string)updated.Obj(member)["updated_at"]!, (string)shown["created_at"]!) >= 0, collection);

            // changed_since: the item is in a list since a time before its update, not since a time after.
            var since = (await api.GetAsync($"/v2.0/{collection}?changed_since={Uri.EscapeDataString(start.ToString("yyyy-MM-ddTHH:mm:ss"))}")).Body![collection.Replace('-', '_')]!.AsArray();
            Assert.Contains(since, i => (string?)i!["id"] == id);
            var future = (await api.GetAsync($"/v2.0/{collection}?changed_since=2999-01-01T00:00:00")).Body![collection.Replace('-', '_')]!.AsArray();
            Assert.Empty(future);
        }
        var bad = await api.GetAsync("/v2.0/networks?changed_since=yesterday");
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidInput"), (bad.Status, bad.ErrorType));
    }

    [Fact]
    public async Task Every_resource_takes_tags_one_by_one_or_as_a_list_and_lists_filter_by_them()
    {
        await using var api = await ApiHost.StartAsync();
        foreach (var (collection, member, id) in await OneOfEachAsync(api))
        {
            var path = $"/v2.0/{collection}/{id}";
            var revision = (long)(await api.GetAsync(path)).Obj(member)["revision_number"]!;
            Assert.Equal(HttpStatusCode.Created, (await api.PutAsync($"{path}/tags/red", "")).Status);
            Assert.Equal(HttpStatusCode.NoContent, (await api.GetAsync($"{path}/tags/red")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{path}/tags/blue")).Status);
            var all = await api.PutAsync($"{path}/tags", """{"tags": ["blue", "green"]}""");
            Assert.Equal(["blue", "green"], all.Body!["tags"]!.AsArray().Select(t => (string)t!));
            var shown = (await api.GetAsync(path)).Obj(member);
            Assert.Equal(["blue", "green"], shown["tags"]!.AsArray().Select(t => (string)t!).Order());
            Assert.Equal(revision + 2, (long)shown["revision_number"]!);
            var key = collection.Replace('-', '_');
            Assert.Contains((await api.GetAsync($"/v2.0/{collection}?tags=blue,green")).Body![key]!.AsArray(), i => (string?)i!["id"] == id);
            Assert.DoesNotContain((await api.GetAsync($"/v2.0/{collection}?not-tags-any=green")).Body![key]!.AsArray(), i => (string?)i!["id"] == id);
            Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{path}/tags/blue")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"{path}/tags/blue")).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsync($"{path}/tags", """{"tags": "blue"}""")).Status);
            Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{path}/tags")).Status);
            Assert.Empty((await api.GetAsync($"{path}/tags")).Body!["tags"]!.AsArray());
        }
    }
}
