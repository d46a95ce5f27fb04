using System.Text.Json.Nodes;
using Dragonflow.Controller.MetadataService;
using Dragonflow.Model;
using Dragonflow.Testing;
using Dragonflow.Testing.NorthDb;
using Dragonflow.Testing.Sandbox;
using Xunit.Abstractions;

namespace Dragonflow.Controller.Tests.Integration;

/// <summary>
/// The metadata service with real clients: curl in VM namespaces asks 169.254.169.254, the
/// chassis' proxy forwards to a stand-in for Nova's metadata API that checks every header and
/// the signature (<see cref="NovaMetadataStandIn"/>).
/// </summary>
public sealed class MetadataServiceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Secret = "s3cret-shared-with-nova";
    private const string Url = "http://169.254.169.254" + NovaMetadataStandIn.MetaDataPath;

    private ControllerSandbox _s = null!;
    private ChassisUnderTest _a = null!;
    private readonly NovaMetadataStandIn _nova = new(Secret);
    private readonly DhcpClients _clients = new();

    public async Task InitializeAsync()
    {
        await _nova.StartAsync();
        _s = await ControllerSandbox.CreateAsync();
        _a = await _s.AddChassisAsync(startController: false);
        _a.Options = _a.Options with
        {
            Apps = ["l2", "tunneling", "dhcp", "l3_proactive", "portsec", "metadata_service", "aging"],
            Metadata = new MetadataProxyOptions { NovaPort = _nova.Port, SharedSecret = Secret, Namespace = _a.Ovs.Namespace.Name },
        };
        await _a.StartControllerAsync();
        await Poll.UntilAsync(() => _a.Controller!.MetadataProxy is not null, TimeSpan.FromSeconds(15), "the metadata proxy listens");
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _s.Chassis)
            output.WriteLine(c.Host + ":\n" + c.Ovs.TryOfctl("dump-flows", "br-int").StdOut + "\n" + string.Join("\n", c.Log.Entries.TakeLast(40)));
        foreach (var r in _nova.Requests) output.WriteLine($"nova: {r}");
        _clients.Dispose();
        await _s.DisposeAsync();
        await _nova.DisposeAsync();
    }

    private MetadataProxy Proxy => _a.Controller!.MetadataProxy!;

    /// <summary>A VM with a static address and an on-link route to the metadata address (answered by ARP on the switch).</summary>
    private async Task<(LogicalPort Port, VmNamespace Vm)> VmAsync(LogicalSwitch net, int n, string instance, string ip = "")
    {
        ip = ip.Length > 0 ? ip : $"10.0.0.{n}";
        var port = await _s.CreatePortAsync(net, $"fa:16:3e:00:{net.UniqueKey:x2}:{n:x2}", ip);
        port = await _s.Api.UpdateAsync<LogicalPort>(port.Id, p => p.DeviceId = instance);
        _nova.AddInstance(instance, port.Topic!, ip);
        var vm = _s.Plug(_a, port);
        await _s.WaitForStatusAsync(port.Id, "ACTIVE", _a.Host);
        vm.Exec("ip", "route", "add", "169.254.169.254", "dev", "eth0");
        return (port, vm);
    }

    /// <summary>curl's body and status ("000" when no answer came).</summary>
    private (string Body, string Status) Curl(VmNamespace vm, params string[] extra)
    {
        var r = vm.Exec("curl", ["-s", "-m", "5", "-w", "\n%{http_code}", .. extra, Url]);
        output.WriteLine($"{vm.Name} curl {string.Join(' ', extra)}: {r.StdOut} {r.StdErr}");
        var text = r.StdOut.TrimEnd();
        var cut = text.LastIndexOf('\n');
        return cut < 0 ? ("", text.Trim()) : (text[..cut], text[(cut + 1)..].Trim());
    }

    private static string? Uuid(string body) => JsonNode.Parse(body)?["uuid"]?.GetValue<string>();

    [Fact]
    public async Task A_vm_on_a_network_without_a_router_gets_the_route_over_dhcp_and_its_own_metadata()
    {
        var net = await _s.CreateNetworkAsync(100);
        await _s.Api.UpdateAsync<LogicalSubnet>("sub-" + net.Id, s => { s.GatewayIp = "10.0.0.1"; s.DhcpIp = "10.0.0.2"; });
        var port = await _s.CreatePortAsync(net, "fa:16:3e:00:00:0a", "10.0.0.10");
        await _s.Api.UpdateAsync<LogicalPort>(port.Id, p => p.DeviceId = "instance-a");
        _nova.AddInstance("instance-a", port.Topic!, "10.0.0.10");
        var vm = _s.Ovs.AddVm(_a.Ovs, new VmOptions { Mac = port.Macs[0], IfaceId = port.Id });
        await _s.WaitForStatusAsync(port.Id, "ACTIVE", _a.Host);

        var lease = _clients.Udhcpc(vm);
        Assert.True(lease.Succeeded, lease.ToString());
        Assert.Contains("169.254.169.254/32 10.0.0.2", _clients.UdhcpcEnv(vm, "bound")["staticroutes"]);
        Assert.Contains("169.254.169.254 via 10.0.0.2", vm.Exec("ip", "-4", "route", "show").StdOut);

        var (body, status) = Curl(vm);
        Assert.Equal("200", status);
        Assert.Equal("instance-a", Uuid(body));
        Assert.Contains(("instance-a", "10.0.0.10", "ok"), _nova.Requests);
        Assert.DoesNotContain(_nova.Requests, r => r.Verdict != "ok");
    }

    [Fact]
    public async Task Two_vms_with_one_address_on_overlapping_networks_each_get_their_own()
    {
        var red = await _s.CreateNetworkAsync(101);
        var blue = await _s.CreateNetworkAsync(102);
        var (_, vmRed) = await VmAsync(red, 20, "instance-red");
        var (_, vmBlue) = await VmAsync(blue, 20, "instance-blue");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("instance-red", Uuid(Curl(vmRed).Body));
            Assert.Equal("instance-blue", Uuid(Curl(vmBlue).Body));
        }
        Assert.Equal(3, _nova.Requests.Count(r => r == ("instance-red", "10.0.0.20", "ok")));
        Assert.Equal(3, _nova.Requests.Count(r => r == ("instance-blue", "10.0.0.20", "ok")));
    }

    [Fact]
    public async Task A_vm_that_forges_its_source_address_gets_nothing_of_another_vm()
    {
        var net = await _s.CreateNetworkAsync(103);
        var (_, victim) = await VmAsync(net, 30, "instance-victim");
        var (forgerPort, forger) = await VmAsync(net, 31, "instance-forger");
        forger.Exec("ip", "addr", "add", "10.0.0.30/32", "dev", "eth0");

        // With port security the forged packets do not even leave the port.
        var (_, spoofed) = Curl(forger, "--interface", "10.0.0.30");
        Assert.Equal("000", spoofed);

        // Without it they reach the proxy, but as the forger's port: Nova is asked about the forger
        // only, and the answer goes to the forger's own address, not to the forged one.
        await _s.Api.UpdateAsync<LogicalPort>(forgerPort.Id, p => { p.PortSecurityEnabled = false; p.SecurityGroups = []; });
        await Task.Delay(TimeSpan.FromSeconds(2)); // the port's anti-spoofing flows go
        var (_, unguarded) = Curl(forger, "--interface", "10.0.0.30");
        Assert.Equal("000", unguarded);
        Assert.DoesNotContain(_nova.Requests, r => r.Instance == "instance-victim");

        // Both still get their own.
        Assert.Equal("instance-forger", Uuid(Curl(forger, "--interface", "10.0.0.31").Body));
        Assert.Equal("instance-victim", Uuid(Curl(victim).Body));
        Assert.DoesNotContain(_nova.Requests, r => r.Verdict != "ok");
    }

    [Fact]
    public async Task With_nova_stopped_the_vm_gets_an_error_and_metadata_works_again_when_it_returns()
    {
        var net = await _s.CreateNetworkAsync(104);
        var (_, vm) = await VmAsync(net, 40, "instance-n");
        Assert.Equal("200", Curl(vm).Status);

        await _nova.StopAsync();
        var (_, down) = Curl(vm);
        Assert.Equal("502", down);
        Assert.True(Proxy.NovaFailures >= 1);

        await _nova.StartAsync();
        var (body, up) = Curl(vm);
        Assert.Equal("200", up);
        Assert.Equal("instance-n", Uuid(body));
    }

    [Fact]
    public async Task Garbage_requests_are_refused_with_400_counted_and_the_proxy_serves_on()
    {
        var net = await _s.CreateNetworkAsync(105);
        var (_, vm) = await VmAsync(net, 50, "instance-g");
        var refused = Proxy.Refused;
        var refusedMetric = Dragonflow.Controller.Observability.ControllerMetrics.MetadataRequests.WithLabels(_a.Host, MetadataResults.Refused).Value;
        var forwarded = _nova.Requests.Count;

        foreach (var (garbage, status) in new[]
        {
            ("GARBAGE\\r\\n\\r\\n", "400"),
            ("\\x00\\x01\\x02\\xff\\r\\n\\r\\n", "400"),
            ("GET /x HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: -5\\r\\n\\r\\n", "400"),
            ("GET / HTTP/9.9\\r\\n\\r\\n", "505"), // HTTP Version Not Supported
        })
        {
            var answer = vm.Exec("bash", "-c",
                $"exec 3<>/dev/tcp/169.254.169.254/80; printf '{garbage}' >&3; timeout 5 head -c 12 <&3").StdOut;
            Assert.StartsWith("HTTP/1.1 " + status, answer);
        }
        var (_, deleted) = Curl(vm, "-X", "DELETE");
        Assert.Equal("405", deleted);
        await Poll.UntilAsync(() => Proxy.Refused >= refused + 5, TimeSpan.FromSeconds(5), "every refusal counted");
        Assert.Equal(forwarded, _nova.Requests.Count); // none reached Nova
        Assert.True(Dragonflow.Controller.Observability.ControllerMetrics.MetadataRequests.WithLabels(_a.Host, MetadataResults.Refused).Value >= refusedMetric + 5,
            "dragonflow_controller_metadata_requests_total{result=refused} counts them");

        Assert.Equal("instance-g", Uuid(Curl(vm).Body));
        Assert.True(_a.Log.Contains(Microsoft.Extensions.Logging.LogLevel.Warning, "metadata request refused"), "refusals are logged");
    }

    [Fact]
    public async Task Trace_explains_a_metadata_request_logically_and_on_the_switch()
    {
        var net = await _s.CreateNetworkAsync(106);
        var (port, vm) = await VmAsync(net, 60, "instance-t");
        var group = await _s.Api.CreateAsync(new SecurityGroup
        {
            Id = "sg-out", Topic = "tenant1", Name = "out", Rules = [new SecurityGroupRule { Id = "out", Direction = "egress" }],
        });
        await _s.Api.UpdateAsync<LogicalPort>(port.Id, p => p.SecurityGroups = [group.Id]);
        Assert.Equal("200", Curl(vm).Status);
        var config = _a.WriteConfig(Path.Combine(_a.Ovs.RunDirectory, "df.ini"));

        var (exit, stdout, stderr) = await DragonflowCli.RunAsync(["trace", "--from", port.Id, "--to", "169.254.169.254", "--proto", "tcp", "--dport", "80",
            "-f", "json", "--config", config, "--unixctl", _a.Ovs.VswitchdControlPath], TimeSpan.FromSeconds(60));
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, exit);
        var trace = (JsonObject)JsonNode.Parse(stdout)!;
        Assert.True((bool)trace["delivered"]!);
        Assert.False((bool)trace["disagree"]!);
        var asker = Dragonflow.Controller.Apps.Metadata.MetadataAddress.ForPortKey((uint)port.UniqueKey)!.ToString();
        var steps = trace["logical"]!["steps"]!.AsArray().OfType<JsonObject>().Where(st => (string?)st["stage"] == "metadata").Select(st => (string)st["detail"]!).ToList();
        Assert.Contains(steps, d => d.Contains(asker) && d.Contains(_a.Host));
        Assert.Contains(steps, d => d.Contains("instance-t") && d.Contains("10.0.0.60"));
        var flows = trace["open_flow"]![0]!["flows"]!.AsArray().OfType<JsonObject>().ToList();
        Assert.Contains(flows, f => (int)f["table"]! == 12 && (string?)f["app"] == "metadata_service" && ((string?)f["owner"] ?? "").Contains(port.Id));
        var verdict = (string)trace["verdict"]!;
        Assert.Contains("sent to the metadata proxy through tap-metadata", verdict);
        Assert.Contains($"with source {asker} naming", verdict);
        Assert.Contains(port.Id, verdict);
    }

    [Fact]
    public async Task Metadata_answers_again_after_open_vswitch_restarts()
    {
        var net = await _s.CreateNetworkAsync(107);
        var (_, vm) = await VmAsync(net, 70, "instance-r");
        Assert.Equal("200", Curl(vm).Status);

        // The proxy's interface, its address and the listening socket outlive vswitchd.
        _a.Ovs.RestartVswitchd();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        (string Body, string Status) answer;
        while ((answer = Curl(vm)).Status != "200" && DateTime.UtcNow < deadline) await Task.Delay(500);
        Assert.Equal("200", answer.Status);
        Assert.Equal("instance-r", Uuid(answer.Body));
    }

    [Fact]
    public async Task A_vm_behind_a_router_reaches_metadata_through_its_default_route_without_a_host_route()
    {
        var (net, subnet) = await L3RoutingTests.CreateNetworkAsync(_s, 108, "10.8.0.0/24", "10.8.0.1");
        subnet = await _s.Api.UpdateAsync<LogicalSubnet>(subnet.Id, x => x.DhcpIp = "10.8.0.2");
        var router = await _s.Api.CreateAsync(new LogicalRouter
        {
            Id = "router-" + Guid.NewGuid().ToString("n")[..8], Topic = "tenant1", Name = "r1", UniqueKey = await _s.Api.AllocateUniqueKeyAsync<LogicalRouter>(),
        });
        await L3RoutingTests.AddInterfaceAsync(_s, router.Id, net, subnet, "fa:16:3e:80:00:01");
        var port = await L3RoutingTests.CreatePortAsync(_s, net, subnet, "fa:16:3e:80:00:0a", "10.8.0.10");
        await _s.Api.UpdateAsync<LogicalPort>(port.Id, p => p.DeviceId = "instance-routed");
        _nova.AddInstance("instance-routed", port.Topic!, "10.8.0.10");
        var vm = _s.Ovs.AddVm(_a.Ovs, new VmOptions { Mac = port.Macs[0], IfaceId = port.Id });
        await _s.WaitForStatusAsync(port.Id, "ACTIVE", _a.Host);

        var lease = _clients.Udhcpc(vm);
        Assert.True(lease.Succeeded, lease.ToString());
        Assert.DoesNotContain("169.254.169.254", _clients.UdhcpcEnv(vm, "bound").GetValueOrDefault("staticroutes", ""));
        Assert.Contains("via 10.8.0.1", vm.Exec("ip", "route", "get", "169.254.169.254").StdOut);

        var (body, status) = Curl(vm);
        Assert.Equal("200", status);
        Assert.Equal("instance-routed", Uuid(body));
        Assert.Contains(("instance-routed", "10.8.0.10", "ok"), _nova.Requests);
    }
}
