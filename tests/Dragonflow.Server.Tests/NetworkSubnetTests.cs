using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

public class NetworkSubnetTests
{
    [Fact]
    public async Task Network_create_show_update_delete()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.CreateAsync("networks", "network", new JsonObject
        {
            ["name"] = "ext", ["router:external"] = true, ["shared"] = true, ["mtu"] = 1400,
        }, project: "p1", roles: "admin");
        var id = (string)net["id"]!;
        Assert.True((bool)net["router:external"]!);
        Assert.True((bool)net["shared"]!);
        Assert.Equal(1400, (int)net["mtu"]!);
        Assert.Equal("p1", (string?)net["project_id"]);
        Assert.Equal("p1", (string?)net["tenant_id"]);
        Assert.Equal("vxlan", (string?)net["provider:network_type"]);
        Assert.NotNull((int?)net["provider:segmentation_id"]);
        Assert.Equal(1, (long)net["revision_number"]!);
        Assert.NotNull((string?)net["created_at"]);

        var stored = await api.Nb.GetAsync<Dragonflow.Model.LogicalSwitch>(id);
        Assert.True(stored.UniqueKey > 0);
        Assert.Equal("p1", stored.Topic);

        var updated = await api.PutAsync($"/v2.0/networks/{id}", """{"network": {"name": "renamed", "admin_state_up": false}}""");
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.Equal("renamed", (string?)updated.Obj("network")["name"]);
        Assert.Equal(2, (long)updated.Obj("network")["revision_number"]!);

        var readOnly = await api.PutAsync($"/v2.0/networks/{id}", """{"network": {"provider:segmentation_id": 5}}""");
        Assert.Equal(HttpStatusCode.BadRequest, readOnly.Status);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/networks/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/v2.0/networks/{id}")).Status);
    }

    [Fact]
    public async Task Segmentation_ids_are_unique_and_requested_ones_conflict()
    {
        await using var api = await ApiHost.StartAsync();
        var a = await api.CreateAsync("networks", "network", new JsonObject { ["name"] = "a" });
        var b = await api.CreateAsync("networks", "network", new JsonObject { ["name"] = "b" });
        Assert.NotEqual((int)a["provider:segmentation_id"]!, (int)b["provider:segmentation_id"]!);

        await api.CreateAsync("networks", "network", new JsonObject { ["provider:network_type"] = "vxlan", ["provider:segmentation_id"] = 777 });
        var before = await api.SnapshotAsync();
        var dup = await api.PostAsync("/v2.0/networks", """{"network": {"provider:network_type": "vxlan", "provider:segmentation_id": 777}}""");
        Assert.Equal(HttpStatusCode.Conflict, dup.Status);
        Assert.Equal(before, await api.SnapshotAsync());

        var vlan = await api.CreateAsync("networks", "network", new JsonObject
        {
            ["provider:network_type"] = "vlan", ["provider:physical_network"] = "physnet1", ["provider:segmentation_id"] = 100,
        });
        Assert.Equal(1500, (int)vlan["mtu"]!);
        var badVlan = await api.PostAsync("/v2.0/networks", """{"network": {"provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 5000}}""");
        Assert.Equal(HttpStatusCode.BadRequest, badVlan.Status);
    }

    [Fact]
    public async Task Subnet_defaults_follow_neutron_for_ipv4_and_ipv6()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var v4 = await api.SubnetAsync(net, "10.0.0.0/24", new JsonObject { ["dns_nameservers"] = new JsonArray("8.8.8.8"), ["host_routes"] = new JsonArray(new JsonObject { ["destination"] = "192.168.0.0/16", ["nexthop"] = "10.0.0.254" }) });
        Assert.Equal("10.0.0.1", (string?)v4["gateway_ip"]);
        Assert.Equal("10.0.0.2", (string?)v4["allocation_pools"]![0]!["start"]);
        Assert.Equal("10.0.0.254", (string?)v4["allocation_pools"]![0]!["end"]);
        Assert.True((bool)v4["enable_dhcp"]!);
        Assert.Equal("8.8.8.8", (string?)v4["dns_nameservers"]![0]);
        Assert.Equal("192.168.0.0/16", (string?)v4["host_routes"]![0]!["destination"]);

        var v6 = await api.SubnetAsync(net, "2001:db8::/64", new JsonObject { ["ipv6_ra_mode"] = "slaac", ["ipv6_address_mode"] = "slaac" });
        Assert.Equal("2001:db8::", (string?)v6["gateway_ip"]);
        Assert.Equal("2001:db8::1", (string?)v6["allocation_pools"]![0]!["start"]);
        Assert.Equal(6, (int)v6["ip_version"]!);

        var network = (await api.GetAsync($"/v2.0/networks/{net}")).Obj("network");
        Assert.Equal(2, network["subnets"]!.AsArray().Count);
    }

    [Fact]
    public async Task Overlapping_cidr_on_one_network_is_refused()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        await api.SubnetAsync(net, "10.0.0.0/24");
        var before = await api.SnapshotAsync();
        var reply = await api.PostAsync("/v2.0/subnets", $$$"""{"subnet": {"network_id": "{{{net}}}", "cidr": "10.0.0.128/25", "ip_version": 4}}""");
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Contains("overlaps with another subnet", reply.ErrorMessage);
        Assert.Equal(before, await api.SnapshotAsync());

        // The same CIDR on another network is fine.
        await api.SubnetAsync(await api.NetworkAsync("other"), "10.0.0.0/24");
    }

    [Theory]
    [InlineData("""[{"start": "10.0.1.2", "end": "10.0.1.9"}]""", 400, "spans beyond the subnet cidr")]
    [InlineData("""[{"start": "10.0.0.9", "end": "10.0.0.2"}]""", 400, "is not valid")]
    [InlineData("""[{"start": "10.0.0.2", "end": "10.0.0.20"}, {"start": "10.0.0.10", "end": "10.0.0.30"}]""", 400, "Found overlapping allocation pools")]
    [InlineData("""[{"start": "10.0.0.1", "end": "10.0.0.20"}]""", 409, "conflicts with allocation pool")]
    [InlineData("""[{"start": "nonsense", "end": "10.0.0.20"}]""", 400, "not a valid IP address")]
    public async Task Allocation_pools_are_validated_as_neutron_does(string pools, int status, string message)
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var before = await api.SnapshotAsync();
        var reply = await api.PostAsync("/v2.0/subnets", $$$"""{"subnet": {"network_id": "{{{net}}}", "cidr": "10.0.0.0/24", "ip_version": 4, "allocation_pools": {{{pools}}}}}""");
        Assert.Equal(status, (int)reply.Status);
        Assert.Contains(message, reply.ErrorMessage);
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Fact]
    public async Task Explicit_pools_and_no_gateway_are_kept()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var s = await api.SubnetAsync(net, "10.1.0.0/24", new JsonObject
        {
            ["gateway_ip"] = null, ["enable_dhcp"] = false,
            ["allocation_pools"] = new JsonArray(new JsonObject { ["start"] = "10.1.0.10", ["end"] = "10.1.0.20" }),
        });
        Assert.Null((string?)s["gateway_ip"]);
        Assert.False((bool)s["enable_dhcp"]!);
        Assert.Equal("10.1.0.10", (string?)s["allocation_pools"]![0]!["start"]);
    }

    [Fact]
    public async Task Subnet_and_network_with_ports_cannot_be_deleted()
    {
        await using var api = await ApiHost.StartAsync();
        var net = await api.NetworkAsync();
        var subnet = await api.SubnetAsync(net, "10.0.0.0/24");
        var port = await api.CreateAsync("ports", "port", new JsonObject { ["network_id"] = net });
        var subnetDelete = await api.DeleteAsync($"/v2.0/subnets/{subnet["id"]}");
        Assert.Equal(HttpStatusCode.Conflict, subnetDelete.Status);
        Assert.Equal("SubnetInUse", subnetDelete.ErrorType);
        var netDelete = await api.DeleteAsync($"/v2.0/networks/{net}");
        Assert.Equal(HttpStatusCode.Conflict, netDelete.Status);
        Assert.Equal("NetworkInUse", netDelete.ErrorType);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/ports/{port["id"]}")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/v2.0/networks/{net}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/v2.0/subnets/{subnet["id"]}")).Status);
        Assert.Empty(await api.Nb.Driver.ListAsync("ipam_ip"));
        Assert.Empty(await api.Nb.Driver.ListAsync("ipam_segment"));
    }
}

public class RevisionConstraintTests
{
    [Fact]
    public async Task If_match_on_a_stale_revision_is_412_and_changes_nothing()
    {
        await using var api = await ApiHost.StartAsync();
        var id = await api.NetworkAsync("n");
        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/v2.0/networks/{id}")
        {
            Content = new StringContent("""{"network": {"name": "late"}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        stale.Headers.TryAddWithoutValidation("If-Match", "revision_number=7");
        using var reply = await api.Http.SendAsync(stale);
        Assert.Equal(System.Net.HttpStatusCode.PreconditionFailed, reply.StatusCode);
        Assert.Equal("n", (string?)(await api.GetAsync($"/v2.0/networks/{id}")).Obj("network")["name"]);

        using var current = new HttpRequestMessage(HttpMethod.Put, $"/v2.0/networks/{id}")
        {
            Content = new StringContent("""{"network": {"name": "ok"}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        current.Headers.TryAddWithoutValidation("If-Match", "revision_number=1");
        using var ok = await api.Http.SendAsync(current);
        Assert.Equal(System.Net.HttpStatusCode.OK, ok.StatusCode);
    }
}
