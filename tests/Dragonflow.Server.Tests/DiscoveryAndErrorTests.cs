using System.Net;

namespace Dragonflow.Server.Tests;

public class DiscoveryAndErrorTests
{
    [Fact]
    public async Task Version_resources_and_extensions_are_discoverable()
    {
        await using var api = await ApiHost.StartAsync();
        var root = await api.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, root.Status);
        Assert.Equal("v2.0", (string?)root.Body!["versions"]![0]!["id"]);
        Assert.Equal("CURRENT", (string?)root.Body!["versions"]![0]!["status"]);

        var v2 = await api.GetAsync("/v2.0/");
        Assert.Equal(HttpStatusCode.OK, v2.Status);
        var collections = v2.Body!["resources"]!.AsArray().Select(r => (string?)r!["collection"]).ToList();
        Assert.Contains("networks", collections);
        Assert.Contains("ports", collections);

        var ext = await api.GetAsync("/v2.0/extensions");
        Assert.Contains(ext.Body!["extensions"]!.AsArray(), e => (string?)e!["alias"] == "external-net");
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v2.0/extensions/provider")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/v2.0/extensions/nope")).Status);
    }

    [Fact]
    public async Task Configurable_snat_is_advertised_as_neutrons_ext_gw_mode()
    {
        await using var api = await ApiHost.StartAsync();

        var reply = await api.GetAsync("/v2.0/extensions/ext-gw-mode");

        Assert.True(reply.Status == HttpStatusCode.OK, reply.Text);
        var extension = reply.Obj("extension");
        Assert.Equal("ext-gw-mode", (string?)extension["alias"]);
        Assert.Equal("Neutron L3 Configurable external gateway mode", (string?)extension["name"]);
        Assert.Equal("Extension of the router abstraction for specifying whether SNAT should occur on the external gateway", (string?)extension["description"]);
        Assert.Contains((await api.GetAsync("/v2.0/extensions")).Body!["extensions"]!.AsArray(), e => (string?)e!["alias"] == "ext-gw-mode");
    }

    [Theory]
    [InlineData("/v2.0/networks/3c9a43b4-4d3c-4b37-a3a0-2b0e2ab0f1a4", "NetworkNotFound")]
    [InlineData("/v2.0/networks/not-a-uuid", "NetworkNotFound")]
    [InlineData("/v2.0/subnets/xyz", "SubnetNotFound")]
    [InlineData("/v2.0/ports/xyz", "PortNotFound")]
    [InlineData("/v2.0/nothing-here", "HTTPNotFound")]
    public async Task Unknown_ids_and_paths_are_404_with_a_neutron_body(string path, string type)
    {
        await using var api = await ApiHost.StartAsync();
        var reply = await api.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal(type, reply.ErrorType);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync(path)).Status);
    }

    [Fact]
    public async Task Malformed_json_is_400_and_changes_nothing()
    {
        await using var api = await ApiHost.StartAsync();
        var before = await api.SnapshotAsync();
        var reply = await api.PostAsync("/v2.0/networks", "{\"network\": {\"name\": ");
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("HTTPBadRequest", reply.ErrorType);
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Fact]
    public async Task Unknown_attributes_are_refused()
    {
        await using var api = await ApiHost.StartAsync();
        var reply = await api.PostAsync("/v2.0/networks", """{"network": {"name": "x", "colour": "red"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Contains("colour", reply.ErrorMessage);
    }

    [Fact]
    public async Task A_backend_that_is_gone_answers_503()
    {
        await using var api = await ApiHost.StartAsync(busyTimeout: TimeSpan.FromMilliseconds(300));
        // Another process holds the database's write lock for longer than the server will wait.
        using var blocker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={api.DbPath};Pooling=False");
        blocker.Open();
        using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }
        var reply = await api.PostAsync("/v2.0/networks", """{"network": {"name": "blocked"}}""");
        Assert.True(reply.Status is HttpStatusCode.ServiceUnavailable, $"{(int)reply.Status} {reply.Text}");
        Assert.Equal("ServiceUnavailable", reply.ErrorType);
    }
}

public class MethodAndBodyErrorTests
{
    [Fact]
    public async Task Wrong_method_oversized_and_non_object_bodies_get_neutron_errors()
    {
        await using var api = await ApiHost.StartAsync();
        var id = await api.NetworkAsync();
        var wrongMethod = await api.PostAsync($"/v2.0/networks/{id}", "{}");
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, wrongMethod.Status);
        Assert.Equal("HTTPMethodNotAllowed", wrongMethod.ErrorType);

        var huge = await api.PostAsync("/v2.0/networks", "{\"network\": {\"name\": \"" + new string('x', 2 << 20) + "\"}}");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, huge.Status);
        Assert.NotNull(huge.Body!["NeutronError"]);

        var list = await api.PutAsync($"/v2.0/networks/{id}", "{\"network\": [1]}");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, list.Status);
        var badLimit = await api.GetAsync("/v2.0/networks?limit=abc");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, badLimit.Status);
    }
}
