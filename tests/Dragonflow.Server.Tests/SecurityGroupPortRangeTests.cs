using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>Neutron's answers (type and wording) to bad port ranges, and to a group renamed "default".</summary>
public class SecurityGroupPortRangeTests
{
    [Theory]
    [InlineData("tcp", -16, 80, "SecurityGroupInvalidPortValue", "Invalid value for port -16")]
    [InlineData("tcp", 80, 65536, "SecurityGroupInvalidPortValue", "Invalid value for port 65536")]
    [InlineData("tcp", 80, 79, "SecurityGroupInvalidPortRange", "port_range_min must be <= port_range_max")]
    [InlineData("tcp", null, 6, "SecurityGroupInvalidPortRange", "port_range_min must be <= port_range_max")]
    [InlineData("udp", 6, null, "SecurityGroupInvalidPortRange", "port_range_min must be <= port_range_max")]
    [InlineData("icmp", 1, 256, "SecurityGroupInvalidIcmpValue", "Invalid value for ICMP code (port_range_max): 256")]
    [InlineData("icmp", 300, 1, "SecurityGroupInvalidIcmpValue", "Invalid value for ICMP type (port_range_min): 300")]
    [InlineData("icmp", -1, 25, "SecurityGroupInvalidPortValue", "Invalid value for port -1")]
    [InlineData("icmp", null, 6, "SecurityGroupMissingIcmpType", "ICMP type (port-range-min) is missing")]
    public async Task A_bad_port_range_is_refused_with_neutrons_error(string protocol, int? min, int? max, string type, string message)
    {
        await using var api = await ApiHost.StartAsync();
        var group = await api.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "web" });
        var rule = new JsonObject
        {
            ["security_group_id"] = group["id"]!.DeepClone(), ["protocol"] = protocol, ["direction"] = "ingress",
            ["ethertype"] = "IPv4", ["port_range_min"] = min, ["port_range_max"] = max,
        };

        var reply = await api.PostAsync("/v2.0/security-group-rules", new JsonObject { ["security_group_rule"] = rule }.ToJsonString());

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(type, reply.ErrorType);
        Assert.Contains(message, reply.Text);
        var rules = (await api.GetAsync($"/v2.0/security-group-rules?security_group_id={group["id"]}&direction=ingress")).Body!["security_group_rules"]!.AsArray();
        Assert.Empty(rules);
    }

    [Fact]
    public async Task A_group_cannot_be_renamed_default()
    {
        await using var api = await ApiHost.StartAsync();
        var group = await api.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "web" });

        var reply = await api.PutAsync($"/v2.0/security-groups/{group["id"]}", """{"security_group": {"name": "default"}}""");

        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        Assert.Equal("SecurityGroupDefaultAlreadyExists", reply.ErrorType);
        Assert.Equal("web", (string?)(await api.GetAsync($"/v2.0/security-groups/{group["id"]}")).Obj("security_group")["name"]);
    }
}
