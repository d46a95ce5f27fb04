using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>
/// A create whose write lands in the NB DB just as the DB goes away (a real server, paused or
/// killed; the instant is chosen by <see cref="LostAnswerDriver"/>): the API answers 503, and
/// once the DB is back the request's leftovers are rolled back, so the same request retried
/// succeeds — the requested segment or address was given back — and nothing leaked.
/// </summary>
public class CreateOutageTests
{
    /// <summary>What a scenario needs first (made before the fault is armed), and the create it then sends.</summary>
    sealed record Scenario(string Collection, string Member, string LostOperation, string LostTable, Func<ApiHost, Task<JsonObject>> PrepareAsync);

    static async Task<string> ExternalNetworkAsync(ApiHost api)
    {
        var ext = await api.NetworkAsync("public", new JsonObject { ["router:external"] = true });
        await api.SubnetAsync(ext, "172.24.4.0/24");
        return ext;
    }

    static readonly Dictionary<string, Scenario> Scenarios = new()
    {
        ["network: its requested segment's claim"] = new("networks", "network", "create", "ipam_segment",
            _ => Task.FromResult(new JsonObject { ["name"] = "n", ["provider:network_type"] = "vxlan", ["provider:segmentation_id"] = 777 })),
        ["network: the network itself"] = new("networks", "network", "create", "lswitch",
            _ => Task.FromResult(new JsonObject { ["name"] = "n" })),
        ["subnet: its DHCP address claim"] = new("subnets", "subnet", "create", "ipam_ip",
            async api => new JsonObject { ["network_id"] = await api.NetworkAsync(), ["cidr"] = "10.40.0.0/24", ["ip_version"] = 4 }),
        ["subnet: its attach to the network"] = new("subnets", "subnet", "update", "lswitch",
            async api => new JsonObject { ["network_id"] = await api.NetworkAsync(), ["cidr"] = "10.40.0.0/24", ["ip_version"] = 4 }),
        ["router: the router itself, after its gateway port"] = new("routers", "router", "create", "lrouter",
            async api => new JsonObject
            {
                ["name"] = "r",
                ["external_gateway_info"] = new JsonObject
                {
                    ["network_id"] = await ExternalNetworkAsync(api),
                    ["external_fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "172.24.4.10" }),
                },
            }),
        ["floating IP: the floating IP itself, after its port"] = new("floatingips", "floatingip", "create", "floatingip",
            async api => new JsonObject { ["floating_network_id"] = await ExternalNetworkAsync(api), ["floating_ip_address"] = "172.24.4.20" }),
        ["port: its requested address's claim"] = new("ports", "port", "create", "ipam_ip",
            async api =>
            {
                var net = await api.NetworkAsync();
                await api.SubnetAsync(net, "10.50.0.0/24");
                return new JsonObject { ["network_id"] = net, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.50.0.5" }) };
            }),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in new[] { "redis", "etcd" })
            foreach (var scenario in Scenarios.Keys)
                data.Add(backend, scenario);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_create_whose_answer_an_outage_lost_leaves_nothing_behind_and_succeeds_when_retried(string backend, string lost)
    {
        var scenario = Scenarios[lost];
        using var server = OutageBackend.Start(backend);
        var real = server.Connect();
        var driver = new LostAnswerDriver(real, server.GoAway);
        await using var api = await ApiHost.StartOnAsync(driver);
        var attributes = await scenario.PrepareAsync(api);
        var path = $"/v2.0/{scenario.Collection}";
        var body = new JsonObject { [scenario.Member] = attributes }.ToJsonString();

        driver.LoseAnswerOfNext(scenario.LostOperation, scenario.LostTable);
        try
        {
            var failed = await api.PostAsync(path, body);
            Assert.True(driver.Fired, $"the {scenario.LostOperation} of {scenario.LostTable} was not reached: {(int)failed.Status} {failed.Text}");
            Assert.True(failed.Status == HttpStatusCode.ServiceUnavailable, $"{(int)failed.Status} {failed.Text}");
            Assert.Equal("ServiceUnavailable", failed.ErrorType);
            var meanwhile = await api.GetAsync(path);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, meanwhile.Status);
            Assert.Equal("ServiceUnavailable", meanwhile.ErrorType);
        }
        finally
        {
            server.ComeBack();
        }

        // The same request again: 503 while the client reconnects, then created, not refused.
        ApiHost.Reply retry;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((retry = await api.PostAsync(path, body)).Status == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.True(retry.Status == HttpStatusCode.Created, $"retry: {(int)retry.Status} {retry.Text}");
        var created = (string)retry.Obj(scenario.Member)["id"]!;

        await NbConsistency.WaitUntilConsistentAsync(real, TimeSpan.FromSeconds(20));
        var listed = (await api.GetAsync(path)).Body![scenario.Collection]!.AsArray();
        Assert.Equal([created], listed.Select(n => (string)n!["id"]!));
    }
}
