using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>Two API server instances (each with its own NB connection) on one sqlite NB DB.</summary>
public class TwoServerTests
{
    [Fact]
    public async Task Racing_overlapping_subnets_on_one_network_only_one_wins()
    {
        await using var a = await ApiHost.StartAsync();
        await using var b = await ApiHost.StartAsync(a.DbPath);
        for (var round = 0; round < 5; round++)
        {
            var net = await a.NetworkAsync($"n{round}");
            string Body(int i) => new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = net, ["cidr"] = $"10.{round}.{i}.0/24", ["ip_version"] = 4 } }.ToJsonString();
            string Wide() => new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = net, ["cidr"] = $"10.{round}.0.0/16", ["ip_version"] = 4 } }.ToJsonString();
            var replies = await Task.WhenAll(a.PostAsync("/v2.0/subnets", Wide()), b.PostAsync("/v2.0/subnets", Body(1)), a.PostAsync("/v2.0/subnets", Body(2)), b.PostAsync("/v2.0/subnets", Wide()));
            var created = replies.Where(r => r.Status == HttpStatusCode.Created).ToList();
            Assert.All(replies.Where(r => r.Status != HttpStatusCode.Created), r => Assert.Contains("overlaps with another subnet", r.ErrorMessage));
            // Either the /16 alone or the two /24s: never overlapping subnets on one network.
            var cidrs = created.Select(r => (string)r.Obj("subnet")["cidr"]!).Order().ToList();
            Assert.True(cidrs.SequenceEqual([$"10.{round}.0.0/16"]) || cidrs.SequenceEqual([$"10.{round}.1.0/24", $"10.{round}.2.0/24"]), string.Join(",", cidrs));
            var stored = (await a.GetAsync($"/v2.0/networks/{net}")).Obj("network")["subnets"]!.AsArray();
            Assert.Equal(cidrs.Count, stored.Count);
        }
    }

    [Fact]
    public async Task Segmentation_ids_and_default_groups_are_unique_across_servers()
    {
        await using var a = await ApiHost.StartAsync();
        await using var b = await ApiHost.StartAsync(a.DbPath);
        var body = """{"network": {"name": "n"}}""";
        var nets = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? a : b).PostAsync("/v2.0/networks", body)));
        Assert.All(nets, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(40, nets.Select(r => (int)r.Obj("network")["provider:segmentation_id"]!).Distinct().Count());

        var lists = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? a : b).SendAsync(HttpMethod.Get, "/v2.0/security-groups", project: "racer")));
        Assert.All(lists, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        var groups = (await a.Nb.ListAsync<Dragonflow.Model.SecurityGroup>("racer")).Items;
        Assert.Single(groups, g => g.Name == "default");
    }
}
