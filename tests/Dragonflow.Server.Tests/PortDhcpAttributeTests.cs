using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>A port's extra_dhcp_opts and dns_name: stored, shown, merged on update as Neutron does, and refused when malformed.</summary>
public class PortDhcpAttributeTests
{
    static List<(string Name, string Value, int Version)> Options(JsonObject port) =>
        port["extra_dhcp_opts"]!.AsArray().Select(o => ((string)o!["opt_name"]!, (string)o["opt_value"]!, (int)o["ip_version"]!))
            .OrderBy(o => o.Item1).ThenBy(o => o.Item3).ToList();

    [Fact]
    public async Task Extra_dhcp_opts_are_stored_and_merged_on_update()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.0.0.0/24");
        var port = await api.CreateAsync("ports", "port", new JsonObject
        {
            ["network_id"] = net, ["dns_name"] = "web-1",
            ["extra_dhcp_opts"] = new JsonArray(
                new JsonObject { ["opt_name"] = "tftp-server", ["opt_value"] = "192.0.2.10" },
                new JsonObject { ["opt_name"] = "bootfile-name", ["opt_value"] = "pxelinux.0", ["ip_version"] = 4 },
                new JsonObject { ["opt_name"] = "bootfile-name", ["opt_value"] = "grubx64.efi", ["ip_version"] = 6 },
                new JsonObject { ["opt_name"] = "ntp-server", ["opt_value"] = null }),
        });
        Assert.Equal([("bootfile-name", "pxelinux.0", 4), ("bootfile-name", "grubx64.efi", 6), ("tftp-server", "192.0.2.10", 4)], Options(port));
        Assert.Equal("web-1", (string?)port["dns_name"]);
        var stored = await api.Nb.GetAsync<Dragonflow.Model.LogicalPort>((string)port["id"]!);
        Assert.Equal("web-1", stored.DnsName);
        Assert.Contains(new Dragonflow.Model.ExtraDhcpOption("tftp-server", "192.0.2.10", 4), stored.ExtraDhcpOpts);

        // Update: a new value replaces, null removes, a new name is added, the rest stays.
        var updated = await api.PutAsync($"/v2.0/ports/{port["id"]}", """
            {"port": {"extra_dhcp_opts": [
              {"opt_name": "tftp-server", "opt_value": "192.0.2.11"},
              {"opt_name": "bootfile-name", "opt_value": null, "ip_version": 6},
              {"opt_name": "66", "opt_value": "x", "ip_version": "6"}],
             "dns_name": ""}}
            """);
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        var after = updated.Obj("port");
        Assert.Equal([("66", "x", 6), ("bootfile-name", "pxelinux.0", 4), ("tftp-server", "192.0.2.11", 4)], Options(after));
        Assert.Equal("", (string?)after["dns_name"]);
        var shown = await api.GetAsync($"/v2.0/ports/{port["id"]}");
        Assert.Equal(Options(after), Options(shown.Obj("port")));
    }

    [Theory]
    [InlineData("""{"extra_dhcp_opts": [{"opt_value": "x"}]}""")]
    [InlineData("""{"extra_dhcp_opts": [{"opt_name": "", "opt_value": "x"}]}""")]
    [InlineData("""{"extra_dhcp_opts": [{"opt_name": "tftp-server", "opt_value": "a\nb"}]}""")]
    [InlineData("""{"extra_dhcp_opts": [{"opt_name": "tftp-server", "opt_value": "x", "ip_version": 5}]}""")]
    [InlineData("""{"extra_dhcp_opts": [{"opt_name": "tftp-server", "opt_value": 7}]}""")]
    [InlineData("""{"extra_dhcp_opts": [{"opt_name": "a", "opt_value": "x"}, {"opt_name": "a", "opt_value": "y"}]}""")]
    [InlineData("""{"extra_dhcp_opts": [{"opt_name": "a", "opt_value": "x", "colour": "red"}]}""")]
    [InlineData("""{"extra_dhcp_opts": {"opt_name": "a"}}""")]
    [InlineData("""{"dns_name": "-web"}""")]
    [InlineData("""{"dns_name": "web_1"}""")]
    [InlineData("""{"dns_name": "a..b"}""")]
    [InlineData("""{"dns_name": "host.123"}""")]
    [InlineData("""{"dns_name": 5}""")]
    public async Task Malformed_dhcp_attributes_are_a_400_and_change_nothing(string attributes)
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.0.0.0/24");
        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        var before = await api.SnapshotAsync();

        var body = JsonNode.Parse(attributes)!.AsObject();
        var update = await api.PutAsync($"/v2.0/ports/{port["id"]}", new JsonObject { ["port"] = body.DeepClone() }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, update.Status);
        Assert.NotNull(update.Body!["NeutronError"]);
        body["network_id"] = net;
        var create = await api.PostAsync("/v2.0/ports", new JsonObject { ["port"] = body }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, create.Status);
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Theory]
    [InlineData("web-1")]
    [InlineData("web-1.example.org.")]
    [InlineData("WEB1")]
    public async Task Valid_dns_names_are_kept(string name)
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.0.0.0/24");
        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net, ["dns_name"] = name });
        Assert.Equal(name, (string?)port["dns_name"]);
    }
}
