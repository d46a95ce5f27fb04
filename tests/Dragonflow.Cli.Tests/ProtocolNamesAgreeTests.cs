using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dragonflow.Cli.Inspection;
using Dragonflow.Cli.Inspection.Trace;
using Dragonflow.Controller.Apps.SecurityGroups;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.Server.Hosting;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Cli.Tests;

/// <summary>
/// A protocol name means one protocol in each place that reads it: the API that validates and
/// stores a security group rule, the sg app that turns the stored rule into flows, and the trace
/// verb that checks a packet against it. (The trace once had its own short table, so that a gre
/// rule admitted an esp packet: both names were "unknown" to it.)
/// </summary>
public sealed class ProtocolNamesAgreeTests
{
    [Fact]
    public async Task Every_protocol_name_is_the_same_protocol_in_the_api_the_sg_flows_and_the_trace()
    {
        using var dir = new ScratchDirectory("df-protocols-");
        var nb = new NbApi(new SqliteNbDriver(dir.File("nb.db")));
        await using var server = NeutronServer.Create(nb, new ServerOptions { Bind = "127.0.0.1:0", DefaultNetworkType = "vxlan" });
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Address };
        var groupId = await CreateAsync(http, "security-groups", "security_group", new JsonObject { ["name"] = "protocols" });
        // An IPv6-only protocol (ICMPv6, the extension headers) goes in an IPv6 rule: an IPv4 one is refused.
        static bool V6(string name) => IpProtocols.TryGetNumber(name, out var n) && IpProtocols.IsIpv6Only(n);
        foreach (var name in IpProtocols.Names)
            await CreateAsync(http, "security-group-rules", "security_group_rule", new JsonObject
            {
                ["security_group_id"] = groupId, ["direction"] = "ingress", ["ethertype"] = V6(name) ? "IPv6" : "IPv4", ["protocol"] = name,
            });

        var group = await nb.GetAsync<SecurityGroup>(groupId);
        var snapshot = NbSnapshot.Of([group]);
        foreach (var name in IpProtocols.Names)
        {
            Assert.True(IpProtocols.TryGetNumber(name, out var number));
            var rule = Assert.Single(group.Rules, r => r.Protocol == name);
            Assert.Equal(number, RuleMatches.Protocol(rule));
            Assert.Equal(number, PacketSpec.ProtocolNumberOf(rule.Protocol));
            var remote = IPAddress.Parse(V6(name) ? "fd00::1" : "10.0.0.1");
            foreach (var packetName in IpProtocols.Names.Where(p => V6(p) == V6(name)))
            {
                Assert.True(IpProtocols.TryGetNumber(packetName, out var packetNumber));
                var packet = new PacketSpec("vm", IPAddress.Parse(V6(name) ? "fd00::2" : "10.0.0.2"), packetName);
                var sameProtocol = packetNumber == number;
                Assert.True(sameProtocol == SecurityGroupCheck.Matches(snapshot, rule, "ingress", remote, packet),
                    $"a {name} rule {(sameProtocol ? "does not admit" : "admits")} a {packetName} packet in the trace");
            }
        }
    }

    static async Task<string> CreateAsync(HttpClient http, string collection, string member, JsonObject attributes)
    {
        using var body = new StringContent(new JsonObject { [member] = attributes }.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"/v2.0/{collection}", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {collection} {attributes.ToJsonString()}: {(int)response.StatusCode} {text}");
        return (string)JsonNode.Parse(text)![member]!["id"]!;
    }
}
