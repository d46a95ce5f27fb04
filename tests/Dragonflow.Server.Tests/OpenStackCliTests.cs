using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>The real python-openstackclient, with no Keystone, against our server.</summary>
public class OpenStackCliTests
{
    sealed record CliResult(int ExitCode, string Stdout, string Stderr);

    static async Task<CliResult> OpenStackAsync(Uri endpoint, params string[] args)
    {
        var psi = new ProcessStartInfo("openstack") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--os-auth-type", "none", "--os-endpoint", endpoint.ToString().TrimEnd('/') }.Concat(args))
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
}
