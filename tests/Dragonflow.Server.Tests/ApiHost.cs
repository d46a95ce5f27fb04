using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Dragonflow.NorthDb;
using Dragonflow.NorthDb.Drivers.Sqlite;
using Dragonflow.Server.Hosting;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Server.Tests;

/// <summary>A real API server (Kestrel on 127.0.0.1, ephemeral port) over a temp sqlite NB DB, and a client for it.</summary>
sealed class ApiHost : IAsyncDisposable
{
    readonly ScratchDirectory? _scratch;
    readonly NeutronServer _server;

    ApiHost(ScratchDirectory? scratch, NbApi nb, NeutronServer server, string dbPath)
    {
        _scratch = scratch;
        Nb = nb;
        _server = server;
        DbPath = dbPath;
        Http = new HttpClient { BaseAddress = server.Address };
    }

    public NbApi Nb { get; }
    public HttpClient Http { get; }
    public string DbPath { get; }
    public Uri Address => _server.Address;

    /// <summary>Starts a server on a new temp DB, or on <paramref name="dbPath"/> to share one DB between servers.</summary>
    public static async Task<ApiHost> StartAsync(string? dbPath = null, TimeSpan? busyTimeout = null, Dragonflow.Server.Auth.StaticTokens? tokens = null,
        Dragonflow.Server.Auth.KeystoneSettings? keystone = null, IReadOnlyList<string>? vlanRanges = null,
        IReadOnlyDictionary<string, int>? quotaDefaults = null)
    {
        var scratch = dbPath is null ? new ScratchDirectory("df-api-") : null;
        dbPath ??= scratch!.File("nb.db");
        var nb = new NbApi(new SqliteNbDriver(dbPath, busyTimeout));
        var options = new ServerOptions
        {
            Bind = "127.0.0.1:0", DefaultNetworkType = "vxlan", Tokens = tokens, Keystone = keystone,
            AuthStrategy = keystone is not null ? "keystone" : tokens is not null ? "token" : "noauth",
            NetworkVlanRanges = vlanRanges ?? [],
        };
        if (quotaDefaults is not null)
            options = options with { QuotaDefaults = quotaDefaults };
        var server = NeutronServer.Create(nb, options);
        await server.StartAsync();
        return new ApiHost(scratch, nb, server, dbPath);
    }

    /// <summary>Starts a server on another NB driver (redis, etcd); the host disposes the driver.</summary>
    public static async Task<ApiHost> StartOnAsync(Dragonflow.NorthDb.Drivers.INbDriver driver, Action<Microsoft.Extensions.Logging.ILoggingBuilder>? logging = null)
    {
        var nb = new NbApi(driver);
        var server = NeutronServer.Create(nb, new ServerOptions { Bind = "127.0.0.1:0", DefaultNetworkType = "vxlan" }, logging);
        await server.StartAsync();
        return new ApiHost(null, nb, server, "");
    }

    public sealed record Reply(HttpStatusCode Status, JsonNode? Body, string Text)
    {
        public JsonObject Obj(string member) => (JsonObject)Body![member]!;
        public string ErrorType => (string)Body!["NeutronError"]!["type"]!;
        public string ErrorMessage => (string)Body!["NeutronError"]!["message"]!;
    }

    /// <summary>
    /// One request. With noauth, <paramref name="project"/> and <paramref name="roles"/> become
    /// X-Project-Id and X-Roles (a project without roles is a member); with tokens, <paramref name="token"/> is X-Auth-Token.
    /// </summary>
    public async Task<Reply> SendAsync(HttpMethod method, string path, string? body = null, string? project = null, string? token = null, string? roles = null,
        Dictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers ?? [])
            request.Headers.TryAddWithoutValidation(name, value);
        if (token is not null)
            request.Headers.Add("X-Auth-Token", token);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        if (project is not null)
            request.Headers.Add("X-Project-Id", project);
        if (roles is not null)
            request.Headers.Add("X-Roles", roles);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (text.Length > 0)
        {
            try { json = JsonNode.Parse(text); } catch (System.Text.Json.JsonException) { }
        }
        return new Reply(response.StatusCode, json, text);
    }

    public Task<Reply> GetAsync(string path) => SendAsync(HttpMethod.Get, path);
    public Task<Reply> PostAsync(string path, string body, string? project = null, string? roles = null) => SendAsync(HttpMethod.Post, path, body, project, roles: roles);
    public Task<Reply> PutAsync(string path, string body) => SendAsync(HttpMethod.Put, path, body);
    public Task<Reply> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>Creates and asserts 201; returns the resource.</summary>
    public async Task<JsonObject> CreateAsync(string collection, string member, JsonObject attributes, string? project = null, string? roles = null)
    {
        var reply = await PostAsync($"/v2.0/{collection}", new JsonObject { [member] = attributes }.ToJsonString(), project, roles);
        Assert.True(reply.Status == HttpStatusCode.Created, $"POST {collection}: {(int)reply.Status} {reply.Text}");
        return reply.Obj(member);
    }

    public async Task<string> NetworkAsync(string name = "net", JsonObject? extra = null)
    {
        var attrs = new JsonObject { ["name"] = name };
        foreach (var (k, v) in extra ?? []) attrs[k] = v?.DeepClone();
        return (string)(await CreateAsync("networks", "network", attrs))["id"]!;
    }

    public async Task<JsonObject> SubnetAsync(string networkId, string cidr, JsonObject? extra = null)
    {
        var attrs = new JsonObject { ["network_id"] = networkId, ["cidr"] = cidr, ["ip_version"] = cidr.Contains(':') ? 6 : 4 };
        foreach (var (k, v) in extra ?? []) attrs[k] = v?.DeepClone();
        return await CreateAsync("subnets", "subnet", attrs);
    }

    /// <summary>Every NB key with its value (but those of the tables <paramref name="except"/>): to prove a refused request changed nothing.</summary>
    public async Task<string> SnapshotAsync(params string[] except)
    {
        var sb = new StringBuilder();
        foreach (var table in new[] { "lswitch", "lsubnet", "lport", "lrouter", "floatingip", "lsecgroup", "ipam_ip", "ipam_mac", "ipam_segment", "ipam_netport", "index_port_device", "rbac_policy", "subnetpool", "address_scope", "quota" }.Except(except))
            foreach (var e in await Nb.Driver.ListAsync(table))
                sb.Append(e.Key).Append('=').Append(e.Value).Append('\n');
        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _server.DisposeAsync();
        Nb.Dispose();
        Nb.Driver.Dispose();
        _scratch?.Dispose();
    }
}
