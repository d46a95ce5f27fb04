using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>The real python-openstackclient, with no Keystone, against our server.</summary>
public class OpenStackCliTests
{
    sealed record CliResult(int ExitCode, string Stdout, string Stderr);

    static Task<CliResult> OpenStackAsync(Uri endpoint, params string[] args) =>
        RunCliAsync(["--os-auth-type", "none", "--os-endpoint", endpoint.ToString().TrimEnd('/'), .. args]);

    /// <summary>With a static token, as keystoneauth's admin_token plugin sends it (X-Auth-Token).</summary>
    static Task<CliResult> OpenStackWithTokenAsync(Uri endpoint, string token, params string[] args) =>
        RunCliAsync(["--os-auth-type", "admin_token", "--os-token", token, "--os-endpoint", endpoint.ToString().TrimEnd('/'), .. args]);

    static async Task<CliResult> RunCliAsync(string[] args)
    {
        var psi = new ProcessStartInfo("openstack") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("OS_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(name);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"openstack {string.Join(' ', args)} did not finish");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    static async Task<JsonObject> JsonAsync(Uri endpoint, params string[] args)
    {
        var r = await OpenStackAsync(endpoint, [.. args, "-f", "json"]);
        Assert.True(r.ExitCode == 0, $"openstack {string.Join(' ', args)}: {r.Stderr}");
        return JsonNode.Parse(r.Stdout)!.AsObject();
    }

    [Fact]
    public async Task Network_subnet_and_port_through_the_openstack_cli()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await JsonAsync(api.Address, "network", "create", "cli-net");
        Assert.Equal("cli-net", (string?)net["name"]);
        var subnet = await JsonAsync(api.Address, "subnet", "create", "cli-sub", "--network", "cli-net", "--subnet-range", "10.20.0.0/24");
        Assert.Equal("10.20.0.1", (string?)subnet["gateway_ip"]);
        var port = await JsonAsync(api.Address, "port", "create", "cli-port", "--network", "cli-net", "--fixed-ip", "subnet=cli-sub,ip-address=10.20.0.50");
        Assert.Contains("10.20.0.50", port["fixed_ips"]!.ToJsonString());

        var list = await OpenStackAsync(api.Address, "port", "list", "--network", "cli-net", "-f", "value", "-c", "Name");
        Assert.Equal("cli-port", list.Stdout.Trim());

        var inUse = await OpenStackAsync(api.Address, "network", "delete", "cli-net");
        Assert.NotEqual(0, inUse.ExitCode);
        Assert.Contains("409", inUse.Stderr);

        Assert.Equal(0, (await OpenStackAsync(api.Address, "port", "delete", "cli-port")).ExitCode);
        Assert.Equal(0, (await OpenStackAsync(api.Address, "network", "delete", "cli-net")).ExitCode);
        Assert.Empty((await api.Nb.ListAsync<Dragonflow.Model.LogicalSwitch>()).Items);
    }

    /// <summary>
    /// A whole tenant topology made and torn down by the CLI: networks (one external), subnets, a
    /// port, a router with an interface and a gateway, a floating IP moved on and off the port,
    /// a security group with an ssh rule; every step's JSON output checked.
    /// </summary>
    [Fact]
    public async Task Whole_scenario_through_the_openstack_cli()
    {
        await using var api = await ApiHost.StartAsync();
        var a = api.Address;
        var ext = await JsonAsync(a, "network", "create", "--external", "public");
        Assert.True((bool?)ext["router:external"]);
        var extSub = await JsonAsync(a, "subnet", "create", "public-sub", "--network", "public", "--subnet-range", "172.24.4.0/24", "--no-dhcp");
        Assert.Equal("172.24.4.1", (string?)extSub["gateway_ip"]);
        var net = await JsonAsync(a, "network", "create", "private");
        Assert.False((bool?)net["router:external"]);
        var sub = await JsonAsync(a, "subnet", "create", "private-sub", "--network", "private", "--subnet-range", "10.0.0.0/24",
            "--dns-nameserver", "8.8.8.8");
        Assert.Equal("10.0.0.0/24", (string?)sub["cidr"]);
        Assert.Contains("8.8.8.8", sub["dns_nameservers"]!.ToJsonString());

        var group = await JsonAsync(a, "security", "group", "create", "web", "--description", "ssh in");
        Assert.Equal("web", (string?)group["name"]);
        var rule = await JsonAsync(a, "security", "group", "rule", "create", "web", "--protocol", "tcp", "--dst-port", "22", "--ingress");
        Assert.Equal(22, (int?)rule["port_range_min"]);
        Assert.Equal(22, (int?)rule["port_range_max"]);
        Assert.Equal("ingress", (string?)rule["direction"]);
        Assert.Equal("tcp", (string?)rule["protocol"]);

        var port = await JsonAsync(a, "port", "create", "vm-port", "--network", "private", "--security-group", "web");
        Assert.Contains("10.0.0.", port["fixed_ips"]!.ToJsonString());
        Assert.Contains((string)group["id"]!, port["security_group_ids"]!.ToJsonString());

        var router = await JsonAsync(a, "router", "create", "r1");
        Assert.Equal("r1", (string?)router["name"]);
        await RunAsync(a, "router", "add", "subnet", "r1", "private-sub");
        await RunAsync(a, "router", "set", "r1", "--external-gateway", "public");
        var shown = await JsonAsync(a, "router", "show", "r1");
        Assert.Contains((string)ext["id"]!, shown["external_gateway_info"]!.ToJsonString());
        Assert.Contains("172.24.4.", shown["external_gateway_info"]!.ToJsonString());
        Assert.Contains((string)port["id"]!, (await OpenStackAsync(a, "port", "list", "-f", "json")).Stdout);

        var fip = await JsonAsync(a, "floating", "ip", "create", "public");
        var fipId = (string)fip["id"]!;
        Assert.StartsWith("172.24.4.", (string)fip["floating_ip_address"]!);
        Assert.Null((string?)fip["port_id"]);
        await RunAsync(a, "floating", "ip", "set", "--port", "vm-port", fipId);
        var associated = await JsonAsync(a, "floating", "ip", "show", fipId);
        Assert.Equal((string)port["id"]!, (string?)associated["port_id"]);
        Assert.Equal((string)router["id"]!, (string?)associated["router_id"]);
        Assert.StartsWith("10.0.0.", (string)associated["fixed_ip_address"]!);
        await RunAsync(a, "floating", "ip", "unset", "--port", fipId);
        Assert.Null((string?)(await JsonAsync(a, "floating", "ip", "show", fipId))["port_id"]);

        await RunAsync(a, "floating", "ip", "delete", fipId);
        await RunAsync(a, "router", "unset", "--external-gateway", "r1");
        await RunAsync(a, "router", "remove", "subnet", "r1", "private-sub");
        await RunAsync(a, "router", "delete", "r1");
        await RunAsync(a, "port", "delete", "vm-port");
        await RunAsync(a, "security", "group", "rule", "delete", (string)rule["id"]!);
        await RunAsync(a, "security", "group", "delete", "web");
        await RunAsync(a, "subnet", "delete", "private-sub");
        await RunAsync(a, "network", "delete", "private");
        await RunAsync(a, "network", "delete", "public");

        Assert.Empty((await api.Nb.ListAsync<Dragonflow.Model.LogicalSwitch>()).Items);
        Assert.Empty((await api.Nb.ListAsync<Dragonflow.Model.LogicalPort>()).Items);
        Assert.Empty((await api.Nb.ListAsync<Dragonflow.Model.LogicalRouter>()).Items);
        Assert.Empty((await api.Nb.ListAsync<Dragonflow.Model.FloatingIp>()).Items);
        Assert.Equal(["default"], (await api.Nb.ListAsync<Dragonflow.Model.SecurityGroup>()).Items.Select(g => g.Name));
    }

    [Fact]
    public async Task Static_tokens_through_the_openstack_cli()
    {
        await using var api = await ApiHost.StartAsync(tokens: Dragonflow.Server.Auth.StaticTokens.Parse("tok-alice alice member\ntok-bob bob member"));
        var created = await OpenStackWithTokenAsync(api.Address, "tok-alice", "network", "create", "alice-net", "-f", "json");
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Equal("alice", (string?)JsonNode.Parse(created.Stdout)!["project_id"]);
        var bobs = await OpenStackWithTokenAsync(api.Address, "tok-bob", "network", "list", "-f", "json");
        Assert.Equal(0, bobs.ExitCode);
        Assert.Empty(JsonNode.Parse(bobs.Stdout)!.AsArray());
        var forged = await OpenStackWithTokenAsync(api.Address, "forged", "network", "list");
        Assert.NotEqual(0, forged.ExitCode);
        Assert.Contains("401", forged.Stderr);
    }

    [Fact]
    public async Task Rbac_policies_through_the_openstack_cli()
    {
        await using var api = await ApiHost.StartAsync();
        var a = api.Address;
        var net = await JsonAsync(a, "network", "create", "to-share");
        Assert.False((bool?)net["shared"]);
        var policy = await JsonAsync(a, "network", "rbac", "create", "--type", "network", "--action", "access_as_shared", "--target-all-projects", "to-share");
        Assert.Equal("*", (string?)policy["target_project_id"]);
        Assert.Equal((string?)net["id"], (string?)policy["object_id"]);
        Assert.True((bool?)(await JsonAsync(a, "network", "show", "to-share"))["shared"]);
        var list = await OpenStackAsync(a, "network", "rbac", "list", "-f", "value", "-c", "ID");
        Assert.Equal((string?)policy["id"], list.Stdout.Trim());
        // Another project now sees the network through the policy.
        var seen = await api.SendAsync(HttpMethod.Get, $"/v2.0/networks/{net["id"]}", project: "someone-else");
        Assert.Equal(System.Net.HttpStatusCode.OK, seen.Status);

        await RunAsync(a, "network", "rbac", "delete", (string)policy["id"]!);
        Assert.False((bool?)(await JsonAsync(a, "network", "show", "to-share"))["shared"]);
        Assert.Empty((await api.Nb.ListAsync<Dragonflow.Model.RbacPolicy>()).Items);
    }

    static async Task RunAsync(Uri endpoint, params string[] args)
    {
        var r = await OpenStackAsync(endpoint, args);
        Assert.True(r.ExitCode == 0, $"openstack {string.Join(' ', args)}: {r.Stderr}");
    }
}
