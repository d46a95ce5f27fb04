using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Dragonflow.Server.Auth;

namespace Dragonflow.Server.Bench;

/// <summary>
/// The few Keystone v3 admin calls that setting up accounts takes (projects, users, role
/// assignments, revoking a token), made with an admin's project-scoped token, signed in again when
/// Keystone answers 401 for it (expired). Used by <c>bench api --keystone</c> and by the tests.
/// </summary>
public sealed class KeystoneAdmin : IDisposable
{
    const string DefaultDomain = "default";

    readonly HttpClient _http;
    readonly Func<CancellationToken, Task<IssuedToken>> _signIn;
    string _token;

    KeystoneAdmin(HttpClient http, KeystoneClient client, Func<CancellationToken, Task<IssuedToken>> signIn, string token)
    {
        _http = http;
        Client = client;
        _signIn = signIn;
        _token = token;
    }

    /// <summary>Issues tokens against the same Keystone.</summary>
    public KeystoneClient Client { get; }

    /// <summary>Signs in as <paramref name="user"/> of the Default domain, scoped to <paramref name="project"/>.</summary>
    public static async Task<KeystoneAdmin> SignInAsync(Uri authUrl, string user, string password, string project, CancellationToken cancellationToken = default)
    {
        var settings = new KeystoneSettings
        {
            AuthUrl = authUrl, WwwAuthenticateUri = authUrl.ToString(), Username = user, Password = password, ProjectName = project,
        };
        var http = KeystoneHttp.Create(settings);
        try
        {
            var client = new KeystoneClient(http, TimeProvider.System);
            Task<IssuedToken> SignIn(CancellationToken c) => client.IssueAsync(user, "Default", password, project, "Default", c);
            return new KeystoneAdmin(http, client, SignIn, (await SignIn(cancellationToken)).Token);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>A token of a user of the Default domain, scoped to a project of the Default domain.</summary>
    public Task<IssuedToken> TokenAsync(string user, string password, string project, CancellationToken cancellationToken = default) =>
        Client.IssueAsync(user, "Default", password, project, "Default", cancellationToken);

    public async Task<string> CreateProjectAsync(string name, CancellationToken cancellationToken = default) =>
        await IdOfAsync(HttpMethod.Post, "projects", "project", new JsonObject { ["name"] = name, ["domain_id"] = DefaultDomain }, cancellationToken);

    public async Task<string> CreateUserAsync(string name, string password, CancellationToken cancellationToken = default) =>
        await IdOfAsync(HttpMethod.Post, "users", "user", new JsonObject { ["name"] = name, ["password"] = password, ["domain_id"] = DefaultDomain }, cancellationToken);

    /// <summary>The id of role <paramref name="name"/>, created if Keystone has none.</summary>
    public async Task<string> RoleAsync(string name, CancellationToken cancellationToken = default)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, $"roles?name={Uri.EscapeDataString(name)}", null, cancellationToken);
        Expect(status, HttpStatusCode.OK, "GET roles", body);
        if (body!["roles"]!.AsArray().FirstOrDefault() is { } role)
            return (string)role["id"]!;
        return await IdOfAsync(HttpMethod.Post, "roles", "role", new JsonObject { ["name"] = name }, cancellationToken);
    }

    public async Task AssignAsync(string projectId, string userId, string roleId, CancellationToken cancellationToken = default)
    {
        var (status, body) = await SendAsync(HttpMethod.Put, $"projects/{projectId}/users/{userId}/roles/{roleId}", null, cancellationToken);
        Expect(status, HttpStatusCode.NoContent, "PUT role assignment", body);
    }

    public async Task SetUserEnabledAsync(string userId, bool enabled, CancellationToken cancellationToken = default)
    {
        var (status, body) = await SendAsync(HttpMethod.Patch, $"users/{userId}", new JsonObject { ["user"] = new JsonObject { ["enabled"] = enabled } }, cancellationToken);
        Expect(status, HttpStatusCode.OK, "PATCH user", body);
    }

    /// <summary>DELETE /v3/auth/tokens: Keystone refuses <paramref name="token"/> from now on.</summary>
    public async Task RevokeAsync(string token, CancellationToken cancellationToken = default)
    {
        HttpRequestMessage Request()
        {
            var request = new HttpRequestMessage(HttpMethod.Delete, "auth/tokens");
            request.Headers.Add("X-Subject-Token", token);
            return request;
        }
        var (status, body) = await SendAsync(Request, cancellationToken);
        Expect(status, HttpStatusCode.NoContent, "DELETE auth/tokens", body);
    }

    /// <summary>A service of the catalog, e.g. type network.</summary>
    public async Task<string> CreateServiceAsync(string type, string name, CancellationToken cancellationToken = default) =>
        await IdOfAsync(HttpMethod.Post, "services", "service", new JsonObject { ["type"] = type, ["name"] = name }, cancellationToken);

    /// <summary>A public endpoint of <paramref name="serviceId"/> in <paramref name="region"/>.</summary>
    public async Task<string> CreatePublicEndpointAsync(string serviceId, Uri url, string region, CancellationToken cancellationToken = default) =>
        await IdOfAsync(HttpMethod.Post, "endpoints", "endpoint", new JsonObject
        {
            ["service_id"] = serviceId, ["url"] = url.ToString().TrimEnd('/'), ["region_id"] = region, ["interface"] = "public",
        }, cancellationToken);

    /// <summary>Whether <c>GET /v3/COLLECTION/ID</c> finds it.</summary>
    public async Task<bool> ExistsAsync(string collection, string id, CancellationToken cancellationToken = default)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, $"{collection}/{id}", null, cancellationToken);
        if (status is not (HttpStatusCode.OK or HttpStatusCode.NotFound))
            Expect(status, HttpStatusCode.OK, $"GET {collection}", body);
        return status == HttpStatusCode.OK;
    }

    public async Task DeleteAsync(string collection, string id, CancellationToken cancellationToken = default)
    {
        var (status, body) = await SendAsync(HttpMethod.Delete, $"{collection}/{id}", null, cancellationToken);
        if (status is not (HttpStatusCode.NoContent or HttpStatusCode.NotFound))
            Expect(status, HttpStatusCode.NoContent, $"DELETE {collection}", body);
    }

    async Task<string> IdOfAsync(HttpMethod method, string collection, string member, JsonObject attributes, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(method, collection, new JsonObject { [member] = attributes }, cancellationToken);
        Expect(status, HttpStatusCode.Created, $"POST {collection}", body);
        return (string)body![member]!["id"]!;
    }

    Task<(HttpStatusCode, JsonNode?)> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken) =>
        SendAsync(() =>
        {
            var request = new HttpRequestMessage(method, path);
            if (body is not null)
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
            return request;
        }, cancellationToken);

    async Task<(HttpStatusCode, JsonNode?)> SendAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = build();
            request.Headers.Add("X-Auth-Token", _token);
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0)
            {
                _token = (await _signIn(cancellationToken)).Token;
                continue;
            }
            return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
        }
    }

    static void Expect(HttpStatusCode status, HttpStatusCode expected, string what, JsonNode? body)
    {
        if (status != expected)
            throw new InvalidOperationException($"Keystone {what}: {(int)status} {body?.ToJsonString()}");
    }

    public void Dispose() => _http.Dispose();
}
