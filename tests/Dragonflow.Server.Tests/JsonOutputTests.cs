using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>As in Neutron, &lt; &gt; &amp; ' reach the client literally, not as \u003C escapes.</summary>
public class JsonOutputTests
{
    [Fact]
    public async Task An_error_message_says_less_or_equal_literally()
    {
        await using var api = await ApiHost.StartAsync();
        var group = (string)(await api.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "g" }))["id"]!;

        var reply = await api.PostAsync("/v2.0/security-group-rules",
            $$$"""{"security_group_rule": {"security_group_id": "{{{group}}}", "direction": "ingress", "protocol": "tcp", "port_range_min": 90, "port_range_max": 80}}""");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Contains("port_range_min must be <= port_range_max", reply.Text);
        Assert.DoesNotContain("\\u00", reply.Text);
    }

    [Fact]
    public async Task Names_with_markup_characters_come_back_literally_everywhere()
    {
        await using var api = await ApiHost.StartAsync();
        const string name = "a<b>&'c\"";

        var created = await api.PostAsync("/v2.0/networks", new JsonObject { ["network"] = new JsonObject { ["name"] = name } }.ToJsonString());
        var id = (string)created.Obj("network")["id"]!;

        foreach (var reply in new[] { created, await api.GetAsync($"/v2.0/networks/{id}"), await api.GetAsync("/v2.0/networks"), await api.GetAsync("/v2.0/networks?fields=name") })
        {
            Assert.Contains("\"a<b>&'c\\\"\"", reply.Text);
            Assert.DoesNotContain("\\u00", reply.Text);
        }
    }
}
