using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>
/// A rule's remote_ip_prefix as Neutron (Zed) takes it: netaddr.IPNetwork reads it, str() of that
/// is stored — host bits kept, a bare address becomes a host prefix — and normalized_cidr is the
/// network; what netaddr cannot read is 400 InvalidCIDR.
/// </summary>
public class RemoteIpPrefixTests
{
    static async Task<(ApiHost Api, string Group)> GroupAsync()
    {
        var api = await ApiHost.StartAsync();
        var group = (string)(await api.CreateAsync("security-groups", "security_group", new JsonObject { ["name"] = "g" }))["id"]!;
        return (api, group);
    }

    static Task<ApiHost.Reply> PostRuleAsync(ApiHost api, string group, string prefix, string ethertype = "IPv4") =>
        api.PostAsync("/v2.0/security-group-rules", new JsonObject
        {
            ["security_group_rule"] = new JsonObject { ["security_group_id"] = group, ["direction"] = "ingress", ["ethertype"] = ethertype, ["remote_ip_prefix"] = prefix },
        }.ToJsonString());

    [Theory]
    [InlineData("256")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("not-an-address")]
    [InlineData("fe80::1%eth0")]
    public async Task What_is_no_address_or_prefix_is_invalid_cidr(string prefix)
    {
        var (api, group) = await GroupAsync();
        await using var _ = api;

        var reply = await PostRuleAsync(api, group, prefix);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("InvalidCIDR", reply.ErrorType);
        Assert.Equal($"Invalid CIDR {prefix} given as IP prefix.", reply.ErrorMessage);
    }

    [Theory]
    [InlineData("10.0.0.34/24", "IPv4", "10.0.0.34/24", "10.0.0.0/24")]
    [InlineData("10.0.0.1", "IPv4", "10.0.0.1/32", "10.0.0.1/32")]
    [InlineData("0.0.0.0/0", "IPv4", "0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("2001:DB8::1/64", "IPv6", "2001:db8::1/64", "2001:db8::/64")]
    [InlineData("fd00::5", "IPv6", "fd00::5/128", "fd00::5/128")]
    public async Task A_prefix_is_kept_with_its_host_bits_and_normalized_apart(string prefix, string ethertype, string stored, string normalized)
    {
        var (api, group) = await GroupAsync();
        await using var _ = api;

        var reply = await PostRuleAsync(api, group, prefix, ethertype);

        Assert.True(reply.Status == HttpStatusCode.Created, reply.Text);
        var rule = reply.Obj("security_group_rule");
        Assert.Equal(stored, (string?)rule["remote_ip_prefix"]);
        Assert.Equal(normalized, (string?)rule["normalized_cidr"]);
        var shown = (await api.GetAsync($"/v2.0/security-group-rules/{rule["id"]}")).Obj("security_group_rule");
        Assert.Equal(stored, (string?)shown["remote_ip_prefix"]);
    }

    [Theory]
    [InlineData("10.0.0.0/8", "IPv6", "Conflicting value ethertype IPv6 for CIDR 10.0.0.0/8")]
    [InlineData("fd00::1", "IPv4", "Conflicting value ethertype IPv4 for CIDR fd00::1/128")]
    public async Task A_prefix_of_the_other_family_conflicts_with_the_ethertype(string prefix, string ethertype, string message)
    {
        var (api, group) = await GroupAsync();
        await using var _ = api;

        var reply = await PostRuleAsync(api, group, prefix, ethertype);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("SecurityGroupRuleParameterConflict", reply.ErrorType);
        Assert.Equal(message, reply.ErrorMessage);
    }
}
