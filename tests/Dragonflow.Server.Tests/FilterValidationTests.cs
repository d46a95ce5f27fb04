using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>filter-validation (an unknown filter is 400 even on an empty list) and empty-string-filtering.</summary>
public class FilterValidationTests
{
    [Theory]
    [InlineData("networks")]
    [InlineData("subnets")]
    [InlineData("ports")]
    [InlineData("routers")]
    [InlineData("floatingips")]
    [InlineData("subnetpools")]
    [InlineData("address-scopes")]
    [InlineData("security-group-rules")]
    [InlineData("rbac-policies")]
    public async Task An_unknown_filter_or_sort_key_is_refused_even_when_nothing_is_listed(string collection)
    {
        await using var api = await ApiHost.StartAsync();
        var filter = await api.GetAsync($"/v2.0/{collection}?colour=red");
        Assert.Equal((HttpStatusCode.BadRequest, "[colour] is invalid attribute for filtering"), (filter.Status, filter.ErrorMessage));
        var sort = await api.GetAsync($"/v2.0/{collection}?sort_key=colour&sort_dir=asc");
        Assert.Equal(HttpStatusCode.BadRequest, sort.Status);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v2.0/{collection}?id=x&sort_key=id&sort_dir=asc")).Status);
    }

    [Fact]
    public async Task An_empty_string_filter_matches_empty_values_only()
    {
        await using var api = await ApiHost.StartAsync();
        var plain = await api.NetworkAsync("plain");
        await api.NetworkAsync("described", new JsonObject { ["description"] = "x" });
        var reply = await api.GetAsync("/v2.0/networks?description=");
        Assert.Equal([plain], reply.Body!["networks"]!.AsArray().Select(n => (string)n!["id"]!));
        var aliases = (await api.GetAsync("/v2.0/extensions")).Body!["extensions"]!.AsArray().Select(e => (string?)e!["alias"]).ToHashSet();
        Assert.Subset(aliases, new HashSet<string?> { "filter-validation", "empty-string-filtering", "pagination", "sorting" });
    }
}
