using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dragonflow.Server.Hosting;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// The floating IP path as a user drives it: everything made through the Neutron API (the
/// real server, in-process, on the sandbox's NB), the external network created either as
/// flat on physical network "public" or with no provider attributes at all.
/// </summary>
public sealed class FloatingIpApiTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_floating_ip_made_through_the_api_reaches_the_vm(bool flatProviderNetwork)
    {
        await using var s = await ControllerSandbox.CreateAsync();
        using var ext = ExternalSegment.Create(s.Ovs.Names, "172.24.4.1/24");
        await using var server = NeutronServer.Create(s.Api, new ServerOptions { Bind = "127.0.0.1:0", DefaultNetworkType = "geneve" });
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Address };
        s.Apps = ["l2", "tunneling", "l3_proactive", "dnat", "aging"];
        var a = await s.AddChassisAsync("geneve");
        ext.Connect(a.Ovs);
        try
        {
            var publicNet = new JsonObject { ["name"] = "public", ["router:external"] = true };
            if (flatProviderNetwork)
            {
                publicNet["provider:network_type"] = "flat";
                publicNet["provider:physical_network"] = "public";
            }
            var external = Id(await PostAsync(http, "networks", "network", publicNet));
            await PostAsync(http, "subnets", "subnet", new JsonObject
            {
                ["network_id"] = external, ["cidr"] = "172.24.4.0/24", ["ip_version"] = 4, ["enable_dhcp"] = false,
            });
            var tenant = Id(await PostAsync(http, "networks", "network", new JsonObject { ["name"] = "private" }));
            var subnet = Id(await PostAsync(http, "subnets", "subnet", new JsonObject
            {
                ["network_id"] = tenant, ["cidr"] = "10.1.0.0/24", ["ip_version"] = 4,
            }));
            var router = Id(await PostAsync(http, "routers", "router", new JsonObject
            {
                ["name"] = "r1", ["external_gateway_info"] = new JsonObject { ["network_id"] = external },
            }));
            using (var add = await http.PutAsJsonAsync($"/v2.0/routers/{router}/add_router_interface", new JsonObject { ["subnet_id"] = subnet }))
                Assert.True(add.IsSuccessStatusCode, await add.Content.ReadAsStringAsync());

            var port = await PostAsync(http, "ports", "port", new JsonObject { ["network_id"] = tenant });
            var mac = (string)port["mac_address"]!;
            var ip = (string)port["fixed_ips"]![0]!["ip_address"]!;
            var vm = s.Ovs.AddVm(a.Ovs, new VmOptions { Mac = mac, IpCidr = ip + "/24", IfaceId = Id(port), Gateway = "10.1.0.1" });
            await s.WaitForStatusAsync(Id(port), "ACTIVE", a.Host);
            using var vmServer = TcpProbe.Start(vm.Namespace, 8080, "vm");
            using var extServer = TcpProbe.Start(ext.Namespace, 9000, TcpProbe.Peer);

            var fip = await PostAsync(http, "floatingips", "floatingip", new JsonObject { ["floating_network_id"] = external, ["port_id"] = Id(port) });
            var address = (string)fip["floating_ip_address"]!;
            Assert.True(ext.WaitForPing(address, Deadline), "ping to the floating IP " + address);
            Assert.Equal("vm", await TcpProbe.ConnectWithinAsync(ext.Namespace, address, 8080, Deadline));
            Assert.Equal(address, await TcpProbe.ConnectWithinAsync(vm.Namespace, "172.24.4.1", 9000, Deadline));

            using (var off = await http.PutAsJsonAsync($"/v2.0/floatingips/{Id(fip)}", new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = null } }))
                Assert.True(off.IsSuccessStatusCode, await off.Content.ReadAsStringAsync());
            await Dragonflow.Testing.NorthDb.Poll.UntilAsync(() => TcpProbe.Connect(ext.Namespace, address, 8080) is null, Deadline, "no answer after disassociation");
        }
        catch
        {
            output.WriteLine(a.DumpFlows() + "\n" + string.Join("\n", a.Log.Entries.TakeLast(40)));
            throw;
        }
    }

    private static string Id(JsonNode node) => (string)node["id"]!;

    private static async Task<JsonNode> PostAsync(HttpClient http, string collection, string member, JsonObject body)
    {
        using var response = await http.PostAsJsonAsync("/v2.0/" + collection, new JsonObject { [member] = body });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {collection}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)![member]!;
    }
}
