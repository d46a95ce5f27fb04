using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>IPv6-only protocols (by name, alias or number) belong in IPv6 rules: an IPv4 rule naming one is refused as Neutron refuses it.</summary>
public class SecurityGroupIpv6ProtocolTests
{
    static JsonObject Rule(JsonNode group, JsonNode protocol, string ethertype) => new()
    {
        ["security_group_rule"] = new JsonObject
        {
            ["security_group_id"] = group.DeepClone(), ["protocol"] = protocol, ["direction"] = "ingress", ["ethertype"] = ethertype,
        },
    };

    [Fact]
    public async Task Ipv6_protocols_are_refused_in_ipv4_rules_and_kept_in_ipv6_rules()
    {
        await using var api = await ApiHost.StartAsync();
        var group = (await api.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "v6" }))["id"]!;
        var before = await api.SnapshotAsync();
        JsonNode[] v6Only = ["ipv6-encap", "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts", "ipv6-route", 41, 44, 58, 59, 60, 43, "58"];
        foreach (var protocol in v6Only)
        {
            var reply = await api.PostAsync("/v2.0/security-group-rules", Rule(group, protocol.DeepClone(), "IPv4").ToJsonString());
            Assert.Equal((HttpStatusCode.BadRequest, "SecurityGroupEthertypeConflictWithProtocol"), (reply.Status, reply.ErrorType));
            Assert.Equal($"Invalid ethertype IPv4 for protocol {protocol.ToString().ToLowerInvariant()}.", reply.ErrorMessage);
        }
        Assert.Equal(before, await api.SnapshotAsync());

        foreach (var protocol in new[] { "ipv6-icmp", "icmpv6", "ipv6-frag", "44" })
        {
            var reply = await api.PostAsync("/v2.0/security-group-rules", Rule(group, protocol, "IPv6").ToJsonString());
            Assert.Equal(HttpStatusCode.Created, reply.Status);
            Assert.Equal(protocol, (string?)reply.Obj("security_group_rule")["protocol"]);
        }
        // IPv4 protocols stay allowed in IPv4 rules.
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsync("/v2.0/security-group-rules", Rule(group, "gre", "IPv4").ToJsonString())).Status);
    }
}
