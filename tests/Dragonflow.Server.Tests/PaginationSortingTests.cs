using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>sort_key/sort_dir and limit/marker/page_reverse with Neutron's next/previous links, on every list.</summary>
public class PaginationSortingTests
{
    static List<string?> Names(ApiHost.Reply reply, string collection) =>
        reply.Body![collection]!.AsArray().Select(n => (string?)n!["name"]).ToList();

    static Dictionary<string, string> Links(ApiHost.Reply reply, string collection) =>
        (reply.Body![collection + "_links"]?.AsArray() ?? []).ToDictionary(l => (string)l!["rel"]!, l => (string)l!["href"]!);

    [Fact]
    public async Task Lists_sort_by_several_keys_in_either_direction()
    {
        await using var api = await ApiHost.StartAsync();
        foreach (var (name, mtu) in new[] { ("b", 1400), ("a", 1450), ("c", 1400), ("d", 1450) })
            await api.NetworkAsync(name, new JsonObject { ["mtu"] = mtu });
        Assert.Equal(["d", "c", "b", "a"], Names(await api.GetAsync("/v2.0/networks?sort_key=name&sort_dir=desc"), "networks"));
        Assert.Equal(["b", "c", "a", "d"], Names(await api.GetAsync("/v2.0/networks?sort_key=mtu&sort_dir=asc&sort_key=name&sort_dir=asc"), "networks"));
        Assert.Equal(["d", "a", "c", "b"], Names(await api.GetAsync("/v2.0/networks?sort_key=mtu&sort_dir=desc&sort_key=name&sort_dir=desc"), "networks"));
        // Sorting does not page: no links without a limit.
        Assert.Null((await api.GetAsync("/v2.0/networks?sort_key=name&sort_dir=asc")).Body!["networks_links"]);
        Assert.Equal(["a", "c"], Names(await api.GetAsync("/v2.0/networks?sort_key=name&sort_dir=asc&name=c&name=a"), "networks"));
    }

    [Fact]
    public async Task Pages_follow_next_and_previous_links_as_neutron_builds_them()
    {
        await using var api = await ApiHost.StartAsync();
        var ids = new Dictionary<string, string>();
        foreach (var name in new[] { "n3", "n0", "n4", "n1", "n2" })
            ids[name] = await api.NetworkAsync(name);

        var first = await api.GetAsync("/v2.0/networks?limit=2&sort_key=name&sort_dir=asc");
        Assert.Equal(["n0", "n1"], Names(first, "networks"));
        var links = Links(first, "networks");
        Assert.Equal($"{api.Address.ToString().TrimEnd('/')}/v2.0/networks?limit=2&sort_key=name&sort_dir=asc&marker={ids["n1"]}", links["next"]);
        Assert.Equal($"{api.Address.ToString().TrimEnd('/')}/v2.0/networks?limit=2&sort_key=name&sort_dir=asc&marker={ids["n0"]}&page_reverse=True", links["previous"]);

        var second = await api.GetAsync(new Uri(links["next"]).PathAndQuery);
        Assert.Equal(["n2", "n3"], Names(second, "networks"));
        var third = await api.GetAsync(new Uri(Links(second, "networks")["next"]).PathAndQuery);
        Assert.Equal(["n4"], Names(third, "networks"));
        // A short forward page is the last: only a previous link.
        Assert.Equal(["previous"], Links(third, "networks").Keys);
        var back = await api.GetAsync(new Uri(Links(third, "networks")["previous"]).PathAndQuery);
        Assert.Equal(["n2", "n3"], Names(back, "networks"));
        var start = await api.GetAsync(new Uri(Links(back, "networks")["previous"]).PathAndQuery);
        Assert.Equal(["n0", "n1"], Names(start, "networks"));
        var beforeStart = await api.GetAsync($"/v2.0/networks?limit=2&sort_key=name&sort_dir=asc&marker={ids["n0"]}&page_reverse=True");
        Assert.Empty(Names(beforeStart, "networks"));
        Assert.Equal(["next"], Links(beforeStart, "networks").Keys);

        // Without sort keys a paged list is in id order; descending names page backwards too.
        var byId = (await api.GetAsync("/v2.0/networks?limit=5")).Body!["networks"]!.AsArray().Select(n => (string)n!["id"]!).ToList();
        Assert.Equal(ids.Values.Order(StringComparer.Ordinal), byId);
        Assert.Equal(["n4", "n3", "n2"], Names(await api.GetAsync("/v2.0/networks?limit=3&sort_key=name&sort_dir=desc"), "networks"));
        Assert.Equal(["n2", "n1"], Names(await api.GetAsync($"/v2.0/networks?limit=3&sort_key=name&sort_dir=desc&marker={ids["n3"]}&name=n1&name=n2"), "networks"));
    }

    [Fact]
    public async Task Every_collection_pages_and_sorts()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync("n");
        for (var i = 0; i < 3; i++)
        {
            await api.SubnetAsync(net, $"10.{i}.0.0/24");
            await api.CreateAsync("subnetpools", "subnetpool", new JsonObject { ["name"] = $"p{i}", ["prefixes"] = new JsonArray($"10.{100 + i}.0.0/16") });
            await api.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = $"g{i}" });
        }
        var subnets = await api.GetAsync("/v2.0/subnets?limit=2&sort_key=cidr&sort_dir=desc");
        Assert.Equal(["10.2.0.0/24", "10.1.0.0/24"], subnets.Body!["subnets"]!.AsArray().Select(s => (string?)s!["cidr"]));
        Assert.Equal(["next", "previous"], Links(subnets, "subnets").Keys.Order());
        Assert.Equal(["p2", "p1", "p0"], Names(await api.GetAsync("/v2.0/subnetpools?sort_key=name&sort_dir=desc"), "subnetpools"));
        var rules = await api.GetAsync("/v2.0/security-group-rules?limit=3&sort_key=ethertype&sort_dir=asc");
        Assert.Equal(3, rules.Body!["security_group_rules"]!.AsArray().Count);
        Assert.Equal("IPv4", (string?)rules.Body!["security_group_rules"]![0]!["ethertype"]);
        Assert.Contains("/v2.0/security-group-rules?limit=3", Links(rules, "security_group_rules")["next"]);
    }

    [Theory]
    [InlineData("sort_key=colour&sort_dir=asc", "['colour'] is invalid attribute for sort_keys")]
    [InlineData("sort_key=tags&sort_dir=asc", "['tags'] is invalid attribute for sort_keys")]
    [InlineData("sort_key=name&sort_dir=up", "['up'] is invalid value for sort_dirs, valid value is 'asc' and 'desc'")]
    [InlineData("sort_key=name", "The number of sort_keys and sort_dirs must be same")]
    [InlineData("limit=-1", "Limit must be an integer 0 or greater and not '-1'")]
    [InlineData("limit=x", "Limit must be an integer 0 or greater and not 'x'")]
    public async Task Bad_sorting_and_paging_get_400(string query, string message)
    {
        await using var api = await ApiHost.StartAsync();
        await api.NetworkAsync("n");
        var reply = await api.GetAsync($"/v2.0/networks?{query}");
        Assert.Equal((HttpStatusCode.BadRequest, message), (reply.Status, reply.ErrorMessage));
    }

    [Fact]
    public async Task An_unknown_marker_is_the_resources_404()
    {
        await using var api = await ApiHost.StartAsync();
        await api.NetworkAsync("n");
        var reply = await api.GetAsync("/v2.0/networks?limit=1&marker=nope");
        Assert.Equal((HttpStatusCode.NotFound, "NetworkNotFound"), (reply.Status, reply.ErrorType));
    }
}
