using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>
/// A write that lands in the NB DB just as the DB goes away (a real server, paused or killed; the
/// instant is chosen by <see cref="LostAnswerDriver"/>): the API answers 503, and once the DB is
/// back what the request left behind is rolled back (a create) or finished (a delete), so the
/// request retried behaves as if the first had never been sent — the requested segment or
/// address is free again — and nothing leaked.
/// </summary>
public class LostAnswerTests
{
    /// <summary>
    /// A create (its prerequisites made before the fault is armed), the write of it whose answer is
    /// lost, and the table its object lives in.
    /// </summary>
    sealed record Scenario(string Collection, string Member, string Table, string LostOperation, string LostTable, Func<ApiHost, Task<JsonObject>> PrepareAsync);

    static async Task<string> ExternalNetworkAsync(ApiHost api)
    {
        var ext = await api.NetworkAsync("public", new JsonObject { ["router:external"] = true });
        await api.SubnetAsync(ext, "172.24.4.0/24");
        return ext;
    }

    static Task<JsonObject> NetworkWithSegment(ApiHost _) =>
        Task.FromResult(new JsonObject { ["name"] = "n", ["provider:network_type"] = "vxlan", ["provider:segmentation_id"] = 777 });

    static async Task<JsonObject> Subnet(ApiHost api) =>
        new() { ["network_id"] = await api.NetworkAsync(), ["cidr"] = "10.40.0.0/24", ["ip_version"] = 4 };

    static async Task<JsonObject> RouterWithGateway(ApiHost api) => new()
    {
        ["name"] = "r",
        ["external_gateway_info"] = new JsonObject
        {
            ["network_id"] = await ExternalNetworkAsync(api),
            ["external_fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "172.24.4.10" }),
        },
    };

    static async Task<JsonObject> FloatingIp(ApiHost api) =>
        new() { ["floating_network_id"] = await ExternalNetworkAsync(api), ["floating_ip_address"] = "172.24.4.20" };

    static async Task<JsonObject> PortWithAddress(ApiHost api)
    {
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.50.0.0/24");
        return new JsonObject { ["network_id"] = net, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.50.0.5" }) };
    }

    static readonly Dictionary<string, Scenario> Creates = new()
    {
        ["network: its requested segment's claim"] = new("networks", "network", "lswitch", "create", "ipam_segment", NetworkWithSegment),
        ["network: the network itself"] = new("networks", "network", "lswitch", "create", "lswitch", NetworkWithSegment),
        ["subnet: its DHCP address claim"] = new("subnets", "subnet", "lsubnet", "create", "ipam_ip", Subnet),
        ["subnet: its attach to the network"] = new("subnets", "subnet", "lsubnet", "update", "lswitch", Subnet),
        ["router: the router itself, after its gateway port"] = new("routers", "router", "lrouter", "create", "lrouter", RouterWithGateway),
        ["floating IP: the floating IP itself, after its port"] = new("floatingips", "floatingip", "floatingip", "create", "floatingip", FloatingIp),
        ["port: its requested address's claim"] = new("ports", "port", "lport", "create", "ipam_ip", PortWithAddress),
    };

    static readonly string[] Backends = ["redis", "etcd"];

    public static TheoryData<string, string> CreateCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in Backends)
            foreach (var scenario in Creates.Keys)
                data.Add(backend, scenario);
        return data;
    }

    /// <summary>One create per resource, whose delete's answer is lost.</summary>
    static readonly Dictionary<string, Scenario> Deletes = Creates.Values.DistinctBy(s => s.Collection).ToDictionary(s => s.Member);

    public static TheoryData<string, string> DeleteCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in Backends)
            foreach (var member in Deletes.Keys)
                data.Add(backend, member);
        return data;
    }

    sealed class Setup(OutageBackend server, LostAnswerDriver driver, ApiHost api, ServerLog log, Scenario scenario, string body) : IAsyncDisposable
    {
        public OutageBackend Server => server;
        public LostAnswerDriver Driver => driver;
        public ApiHost Api => api;
        public string Path => $"/v2.0/{scenario.Collection}";
        public string Body => body;

        public static async Task<Setup> StartAsync(string backend, Scenario scenario)
        {
            var server = OutageBackend.Start(backend);
            ApiHost? api = null;
            try
            {
                var driver = new LostAnswerDriver(server.Connect(), server.GoAway);
                await server.WaitUntilAnsweringAsync(driver);
                var log = new ServerLog();
                api = await ApiHost.StartOnAsync(driver, log.AttachTo);
                var body = new JsonObject { [scenario.Member] = await scenario.PrepareAsync(api) }.ToJsonString();
                return new Setup(server, driver, api, log, scenario, body);
            }
            catch
            {
                // A set-up that fails must not leave its database server running.
                if (api is not null) await api.DisposeAsync();
                server.Dispose();
                throw;
            }
        }

        /// <summary>Sends a request whose armed write loses its answer: 503 with Neutron's body, and 503 for a read meanwhile.</summary>
        public async Task FailAsync(Func<Task<ApiHost.Reply>> send, string operation, string table)
        {
            driver.LoseAnswerOfNext(operation, table);
            try
            {
                var failed = await send();
                Assert.True(driver.Fired, $"the {operation} of {table} was not reached: {(int)failed.Status} {failed.Text}");
                Assert.True(failed.Status == HttpStatusCode.ServiceUnavailable, $"{(int)failed.Status} {failed.Text}\n{log}");
                Assert.Equal("ServiceUnavailable", failed.ErrorType);
                var meanwhile = await api.GetAsync(Path);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, meanwhile.Status);
                Assert.Equal("ServiceUnavailable", meanwhile.ErrorType);
            }
            finally
            {
                server.ComeBack();
            }
        }

        /// <summary>Sends a request again while it meets the client still reconnecting.</summary>
        public async Task<ApiHost.Reply> RetryAsync(Func<Task<ApiHost.Reply>> send)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            ApiHost.Reply reply;
            while ((reply = await send()).Status == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
                await Task.Delay(200);
            return reply;
        }

        /// <summary>The request created one object, and the NB DB holds that one and nothing left over.</summary>
        public async Task AssertOnlyAsync(ApiHost.Reply created)
        {
            Assert.True(created.Status == HttpStatusCode.Created, $"create: {(int)created.Status} {created.Text}\n{log}");
            var id = (string)created.Obj(scenario.Member)["id"]!;
            await NbConsistency.WaitUntilConsistentAsync(driver, TimeSpan.FromSeconds(20));
            var listed = (await api.GetAsync(Path)).Body![scenario.Collection]!.AsArray();
            Assert.Equal([id], listed.Select(n => (string)n!["id"]!));
        }

        public async ValueTask DisposeAsync()
        {
            await api.DisposeAsync();
            server.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(CreateCases))]
    public async Task A_create_whose_answer_an_outage_lost_leaves_nothing_behind_and_succeeds_when_retried(string backend, string lost)
    {
        var scenario = Creates[lost];
        await using var s = await Setup.StartAsync(backend, scenario);

        await s.FailAsync(() => s.Api.PostAsync(s.Path, s.Body), scenario.LostOperation, scenario.LostTable);

        await s.AssertOnlyAsync(await s.RetryAsync(() => s.Api.PostAsync(s.Path, s.Body)));
    }

    [Theory]
    [MemberData(nameof(DeleteCases))]
    public async Task A_delete_whose_answer_an_outage_lost_gives_everything_back(string backend, string member)
    {
        var scenario = Deletes[member];
        await using var s = await Setup.StartAsync(backend, scenario);
        var first = await s.Api.PostAsync(s.Path, s.Body);
        Assert.True(first.Status == HttpStatusCode.Created, $"{(int)first.Status} {first.Text}");
        var path = $"{s.Path}/{first.Obj(member)["id"]}";

        await s.FailAsync(() => s.Api.DeleteAsync(path), "delete", scenario.Table);

        // The delete landed: retried, it finds nothing; the same create again gets the same values.
        Assert.Equal(HttpStatusCode.NotFound, (await s.RetryAsync(() => s.Api.DeleteAsync(path))).Status);
        await s.AssertOnlyAsync(await s.RetryAsync(() => s.Api.PostAsync(s.Path, s.Body)));
    }
}
