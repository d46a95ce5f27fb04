using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>/v2.0/agents answers, empty: the server keeps no Neutron agents (and does not list the agent extension).</summary>
public class AgentListTests
{
    [Fact]
    public async Task Agents_are_an_empty_list_with_checked_filters_and_no_agent_is_found()
    {
        await using var api = await ApiHost.StartAsync();
        var list = await api.GetAsync("/v2.0/agents?agent_type=DHCP%20agent");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Empty(list.Body!["agents"]!.AsArray());
        var badFilter = await api.GetAsync("/v2.0/agents?flavour=x");
        Assert.Equal((HttpStatusCode.BadRequest, "[flavour] is invalid attribute for filtering"), (badFilter.Status, badFilter.ErrorMessage));
        var one = await api.GetAsync("/v2.0/agents/6f9e1c8a-0000-4000-8000-000000000001");
        Assert.Equal((HttpStatusCode.NotFound, "AgentNotFound"), (one.Status, one.ErrorType));
        Assert.DoesNotContain((await api.GetAsync("/v2.0/extensions")).Body!["extensions"]!.AsArray(), e => (string?)e!["alias"] == "agent");
        Assert.Contains((await api.GetAsync("/v2.0/extensions")).Body!["extensions"]!.AsArray(), e => (string?)e!["alias"] == "port-mac-address-regenerate");
    }
}
