using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Dragonflow.Server.Auth;

/// <summary>A token Keystone issued: the token itself (X-Subject-Token) and its body.</summary>
public sealed record IssuedToken(string Token, KeystoneToken Body, DateTimeOffset IssuedAt);

/// <summary>Keystone's answer about a user token: its body, or refused (unknown, expired, revoked, malformed).</summary>
public abstract record ValidationAnswer
{
    public sealed record Valid(KeystoneToken Token) : ValidationAnswer;
    public sealed record Refused : ValidationAnswer;
    /// <summary>Keystone answered 401 for the server's own token: get a new one and ask again.</summary>
    public sealed record ServiceTokenRefused : ValidationAnswer;
}

/// <summary>
/// The two calls of Keystone's v3 API the server makes: POST /v3/auth/tokens (password, project-scoped)
/// and GET /v3/auth/tokens (validate). Anything but Keystone's answer — connection refused, timeout,
/// a 5xx, a body that is not a token — is a <see cref="KeystoneUnavailableException"/>.
/// </summary>
public sealed class KeystoneClient(HttpClient http, TimeProvider clock) : IDisposable
{
    const string TokensPath = "auth/tokens";
    const string SubjectTokenHeader = "X-Subject-Token";
    const string AuthTokenHeader = "X-Auth-Token";

    public Uri ApiRoot => http.BaseAddress!;

    /// <summary>A token for <paramref name="user"/> scoped to <paramref name="project"/>, by password.</summary>
    public async Task<IssuedToken> IssueAsync(string user, string userDomain, string password, string project, string projectDomain,
        CancellationToken cancellationToken = default)
    {
        var body = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject
                    {
                        ["user"] = new JsonObject { ["name"] = user, ["domain"] = new JsonObject { ["name"] = userDomain }, ["password"] = password },
                    },
                },
                ["scope"] = new JsonObject
                {
                    ["project"] = new JsonObject { ["name"] = project, ["domain"] = new JsonObject { ["name"] = projectDomain } },
                },
            },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, TokensPath)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        var issuedAt = clock.GetUtcNow();
        var (status, text, response) = await SendAsync(request, cancellationToken);
        using (response)
        {
            if (status is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
                throw new KeystoneUnavailableException(
                    $"Keystone refused the credentials of user {user} (domain {userDomain}) for project {project} (domain {projectDomain}): {(int)status}");
            if (status != HttpStatusCode.Created || !response.Headers.TryGetValues(SubjectTokenHeader, out var tokens))
                throw new KeystoneUnavailableException($"POST {ApiRoot}{TokensPath} answered {(int)status}");
            return new IssuedToken(tokens.First(), ParseBody(text), issuedAt);
        }
    }

    /// <summary>Asks Keystone about <paramref name="subject"/> on behalf of <paramref name="serviceToken"/>.</summary>
    public async Task<ValidationAnswer> ValidateAsync(string serviceToken, string subject, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, TokensPath + "?nocatalog");
        request.Headers.TryAddWithoutValidation(AuthTokenHeader, serviceToken);
        if (!request.Headers.TryAddWithoutValidation(SubjectTokenHeader, subject))
            return new ValidationAnswer.Refused();
        var (status, text, response) = await SendAsync(request, cancellationToken);
        using (response)
        {
            return status switch
            {
                HttpStatusCode.OK => new ValidationAnswer.Valid(ParseBody(text)),
                HttpStatusCode.NotFound or HttpStatusCode.BadRequest => new ValidationAnswer.Refused(),
                HttpStatusCode.Unauthorized => new ValidationAnswer.ServiceTokenRefused(),
                HttpStatusCode.Forbidden => throw new KeystoneUnavailableException(
                    "Keystone does not let the service user validate tokens (403): give it the service or admin role"),
                _ => throw new KeystoneUnavailableException($"GET {ApiRoot}{TokensPath} answered {(int)status}"),
            };
        }
    }

    async Task<(HttpStatusCode Status, string Text, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return (response.StatusCode, text, response);
        }
        catch (HttpRequestException e)
        {
            throw new KeystoneUnavailableException($"Keystone at {ApiRoot} unreachable: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KeystoneUnavailableException($"Keystone at {ApiRoot} did not answer within {http.Timeout.TotalSeconds:F0} s", e);
        }
    }

    static KeystoneToken ParseBody(string text)
    {
        try
        {
            return KeystoneToken.Parse(text);
        }
        catch (FormatException e)
        {
            throw new KeystoneUnavailableException(e.Message, e);
        }
    }

    public void Dispose() => http.Dispose();
}
