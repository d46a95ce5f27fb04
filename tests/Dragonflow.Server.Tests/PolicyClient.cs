using System.Net;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Tests;

/// <summary>One caller of an <see cref="ApiHost"/>: a token (auth_strategy = token) or noauth headers (project, roles).</summary>
sealed class PolicyClient(ApiHost api, string? token = null, string? project = null, string? roles = null)
{
    public static PolicyClient Token(ApiHost api, string token) => new(api, token: token);

    public static PolicyClient Headers(ApiHost api, string? project, string? roles = null) => new(api, project: project, roles: roles);

    public Task<ApiHost.Reply> SendAsync(HttpMethod method, string path, string? body = null) =>
        api.SendAsync(method, path, body, project, token, roles);

    public Task<ApiHost.Reply> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<ApiHost.Reply> PostAsync(string collection, string member, JsonObject attributes) =>
        SendAsync(HttpMethod.Post, $"/v2.0/{collection}", new JsonObject { [member] = attributes.DeepClone() }.ToJsonString());

    public Task<ApiHost.Reply> PutAsync(string path, string member, JsonObject attributes) =>
        SendAsync(HttpMethod.Put, path, new JsonObject { [member] = attributes.DeepClone() }.ToJsonString());

    public Task<ApiHost.Reply> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>Creates and asserts 201; returns the resource as this caller sees it.</summary>
    public async Task<JsonObject> CreateAsync(string collection, string member, JsonObject attributes)
    {
        var reply = await PostAsync(collection, member, attributes);
        Assert.True(reply.Status == HttpStatusCode.Created, $"POST {collection}: {(int)reply.Status} {reply.Text}");
        return reply.Obj(member);
    }

    /// <summary>The ids this caller lists in a collection.</summary>
    public async Task<List<string>> IdsAsync(string collection)
    {
        var reply = await GetAsync($"/v2.0/{collection}");
        Assert.True(reply.Status == HttpStatusCode.OK, $"GET {collection}: {(int)reply.Status} {reply.Text}");
        return reply.Body![collection.Replace('-', '_')]!.AsArray().Select(n => (string)n!["id"]!).ToList();
    }

    /// <summary>Asserts Neutron's 403 PolicyNotAuthorized naming the failed <paramref name="check"/>, e.g. rule:update_network.</summary>
    public static void AssertRefused(ApiHost.Reply reply, string check)
    {
        Assert.True(reply.Status == HttpStatusCode.Forbidden, $"expected 403 for {check}: {(int)reply.Status} {reply.Text}");
        Assert.Equal("PolicyNotAuthorized", reply.ErrorType);
        Assert.Equal($"{check} is disallowed by policy", reply.ErrorMessage);
    }

    public static void AssertNotFound(ApiHost.Reply reply)
    {
        Assert.True(reply.Status == HttpStatusCode.NotFound, $"expected 404: {(int)reply.Status} {reply.Text}");
        Assert.EndsWith("NotFound", reply.ErrorType);
    }
}
