using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Dragonflow.Model;
using Dragonflow.Server.Observability;

namespace Dragonflow.Server.Tests.Keystone;

/// <summary>
/// auth_strategy = keystone against a real Keystone on loopback (scripts/keystone/up.sh): the token's
/// project owns what it creates, bad, expired and revoked tokens get 401 with Keystone's challenge,
/// and a Keystone that is down makes 503, not 401 and not 500, until it is back.
/// </summary>
[Collection(KeystoneCollection.Name)]
public sealed class KeystoneAuthTests(KeystoneAccounts accounts)
{
    static readonly TimeSpan LongCache = TimeSpan.FromMinutes(5);
    static readonly TimeSpan ShortCache = TimeSpan.FromSeconds(3);
    const string NetworkBody = """{"network":{"name":"n"}}""";

    static async Task<ApiHost.Reply> AsAsync(ApiHost api, HttpMethod method, string path, string? token, string? body = null) =>
        await api.SendAsync(method, path, body, token: token);

    static async Task<string> CreateNetworkAsync(ApiHost api, string token, string name = "n")
    {
        var reply = await AsAsync(api, HttpMethod.Post, "/v2.0/networks", token,
            new JsonObject { ["network"] = new JsonObject { ["name"] = name } }.ToJsonString());
        Assert.True(reply.Status == HttpStatusCode.Created, $"{(int)reply.Status} {reply.Text}");
        return (string)reply.Obj("network")["id"]!;
    }

    [Fact]
    public async Task A_valid_token_works_and_what_it_creates_belongs_to_its_project()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(LongCache));
        var alice = await accounts.TokenAsync("alice", "alpha");
        var created = await AsAsync(api, HttpMethod.Post, "/v2.0/networks", alice.Token, """{"network":{"name":"alpha-net"}}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(accounts.AlphaId, (string?)created.Obj("network")["project_id"]);
        var stored = await api.Nb.GetAsync<LogicalSwitch>((string)created.Obj("network")["id"]!);
        Assert.Equal(accounts.AlphaId, stored!.Topic);

        var listed = await AsAsync(api, HttpMethod.Get, "/v2.0/networks", alice.Token);
        Assert.Equal(["alpha-net"], listed.Body!["networks"]!.AsArray().Select(n => (string)n!["name"]!));
        // Version discovery needs no token.
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/")).Status);
    }

    [Fact]
    public async Task A_missing_garbage_or_project_less_token_is_401_with_keystones_challenge_and_changes_nothing()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(LongCache));
        var challenge = $"Keystone uri=\"{accounts.Keystone.Url}\"";
        var unscoped = await UnscopedTokenAsync("alice");
        foreach (var token in new[] { null, "", "garbage", "gAAAAABgarbage-that-looks-like-fernet", unscoped })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v2.0/networks")
            {
                Content = new StringContent(NetworkBody, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            if (token is not null)
                request.Headers.TryAddWithoutValidation("X-Auth-Token", token);
            using var response = await api.Http.SendAsync(request);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"token '{token}': {(int)response.StatusCode} {body}");
            Assert.Equal("HTTPUnauthorized", (string?)body!["NeutronError"]!["type"]);
            Assert.Equal(challenge, response.Headers.WwwAuthenticate.ToString());
        }
        Assert.Empty((await api.Nb.ListAsync<LogicalSwitch>()).Items);
    }

    [Fact]
    public async Task An_expired_token_is_401_even_when_token_cache_time_is_longer()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(LongCache));
        var alice = await accounts.TokenAsync("alice", "alpha");
        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", alice.Token)).Status);
        var untilExpired = alice.Body.ExpiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        Assert.True(untilExpired < KeystoneAccounts.TokenLife + TimeSpan.FromSeconds(2), $"token lives {untilExpired}");
        await Task.Delay(untilExpired);
        var expired = await AsAsync(api, HttpMethod.Get, "/v2.0/networks", alice.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.Equal("HTTPUnauthorized", expired.ErrorType);
    }

    [Fact]
    public async Task A_revoked_token_is_accepted_while_cached_and_refused_once_its_entry_ends()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(ShortCache));
        var alice = await accounts.TokenAsync("alice", "alpha");
        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", alice.Token)).Status);
        var revoked = DateTimeOffset.UtcNow;
        await accounts.Admin.RevokeAsync(alice.Token);
        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", alice.Token)).Status);
        Assert.True(DateTimeOffset.UtcNow - revoked < ShortCache, "the cached answer was not checked within the cache time");

        await Task.Delay(ShortCache + TimeSpan.FromMilliseconds(500));
        var refused = await AsAsync(api, HttpMethod.Get, "/v2.0/networks", alice.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        // Another token of the same user still works.
        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", (await accounts.TokenAsync("alice", "alpha")).Token)).Status);
    }

    [Fact]
    public async Task A_token_of_another_project_does_not_see_the_first_projects_network()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(LongCache));
        var alice = await accounts.TokenAsync("alice", "alpha");
        var bob = await accounts.TokenAsync("bob", "beta");
        var network = await CreateNetworkAsync(api, alice.Token, "alpha-net");

        var show = await AsAsync(api, HttpMethod.Get, $"/v2.0/networks/{network}", bob.Token);
        Assert.Equal(HttpStatusCode.NotFound, show.Status);
        Assert.Equal("NetworkNotFound", show.ErrorType);
        Assert.Equal(HttpStatusCode.NotFound, (await AsAsync(api, HttpMethod.Delete, $"/v2.0/networks/{network}", bob.Token)).Status);
        Assert.Empty((await AsAsync(api, HttpMethod.Get, "/v2.0/networks", bob.Token)).Body!["networks"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, $"/v2.0/networks/{network}", alice.Token)).Status);
    }

    [Fact]
    public async Task A_reader_token_reads_but_may_not_write()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(LongCache));
        var alice = await accounts.TokenAsync("alice", "alpha");
        var rita = await accounts.TokenAsync("rita", "alpha");
        var network = await CreateNetworkAsync(api, alice.Token, "alpha-net");

        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, $"/v2.0/networks/{network}", rita.Token)).Status);
        var before = await api.SnapshotAsync();
        var create = await AsAsync(api, HttpMethod.Post, "/v2.0/networks", rita.Token, NetworkBody);
        Assert.Equal(HttpStatusCode.Forbidden, create.Status);
        var update = await AsAsync(api, HttpMethod.Put, $"/v2.0/networks/{network}", rita.Token, """{"network":{"name":"mine"}}""");
        Assert.Equal(HttpStatusCode.Forbidden, update.Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await AsAsync(api, HttpMethod.Delete, $"/v2.0/networks/{network}", rita.Token)).Status);
        Assert.Equal(before, await api.SnapshotAsync());
    }

    [Fact]
    public async Task Keystone_down_is_503_not_401_and_requests_work_again_once_it_is_back()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(LongCache));
        var cached = await accounts.TokenAsync("alice", "alpha");
        var fresh = await accounts.TokenAsync("bob", "beta");
        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", cached.Token)).Status);
        var failures = KeystoneMetrics.Failures.Value;

        accounts.Keystone.StopKeystone();
        try
        {
            foreach (var token in new[] { fresh.Token, "garbage" })
            {
                var down = await AsAsync(api, HttpMethod.Get, "/v2.0/networks", token);
                Assert.True(down.Status == HttpStatusCode.ServiceUnavailable, $"{(int)down.Status} {down.Text}");
                Assert.Equal("ServiceUnavailable", down.ErrorType);
            }
            Assert.True(KeystoneMetrics.Failures.Value >= failures + 2);
            // A token validated before the outage is still trusted from the cache; no token is still 401.
            Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", cached.Token)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", null)).Status);
        }
        finally
        {
            accounts.Keystone.StartKeystone();
        }
        var back = await AsAsync(api, HttpMethod.Get, "/v2.0/networks", fresh.Token);
        Assert.True(back.Status == HttpStatusCode.OK, $"{(int)back.Status} {back.Text}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", "garbage")).Status);
    }

    [Fact]
    public async Task A_keystone_answering_500_is_503_and_fine_once_it_recovers()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(LongCache));
        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", (await accounts.TokenAsync("alice", "alpha")).Token)).Status);
        var fresh = await accounts.TokenAsync("bob", "beta");
        // Without its database Keystone answers 500 to every validation.
        accounts.Keystone.StopDatabase();
        ApiHost.Reply broken;
        try
        {
            broken = await AsAsync(api, HttpMethod.Get, "/v2.0/networks", fresh.Token);
        }
        finally
        {
            accounts.Keystone.StartDatabase();
        }
        Assert.True(broken.Status == HttpStatusCode.ServiceUnavailable, $"{(int)broken.Status} {broken.Text}");
        Assert.Equal("ServiceUnavailable", broken.ErrorType);
        var back = await AsAsync(api, HttpMethod.Get, "/v2.0/networks", fresh.Token);
        Assert.True(back.Status == HttpStatusCode.OK, $"{(int)back.Status} {back.Text}");
    }

    [Fact]
    public async Task A_keystone_that_does_not_answer_is_503_after_the_call_timeout_and_fine_once_it_answers()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(LongCache));
        var alice = await accounts.TokenAsync("alice", "alpha");
        accounts.Keystone.FreezeKeystone();
        ApiHost.Reply frozen;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            frozen = await AsAsync(api, HttpMethod.Get, "/v2.0/networks", alice.Token);
        }
        finally
        {
            accounts.Keystone.ThawKeystone();
        }
        Assert.True(frozen.Status == HttpStatusCode.ServiceUnavailable, $"{(int)frozen.Status} {frozen.Text}");
        Assert.Equal("ServiceUnavailable", frozen.ErrorType);
        Assert.InRange(clock.Elapsed, Dragonflow.Server.Auth.KeystoneHttp.CallTimeout - TimeSpan.FromSeconds(1), Dragonflow.Server.Auth.KeystoneHttp.CallTimeout * 2);
        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", alice.Token)).Status);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_new_token_share_one_validation_and_later_ones_hit_the_cache()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(LongCache));
        var alice = await accounts.TokenAsync("alice", "alpha");
        var validations = KeystoneMetrics.Validations.WithLabels(KeystoneMetrics.Valid).Value;
        var hits = KeystoneMetrics.CacheHits.WithLabels(KeystoneMetrics.Valid).Value;

        var replies = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => AsAsync(api, HttpMethod.Get, "/v2.0/networks", alice.Token)));
        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", alice.Token)).Status);

        Assert.Equal(validations + 1, KeystoneMetrics.Validations.WithLabels(KeystoneMetrics.Valid).Value);
        Assert.Equal(hits + 16, KeystoneMetrics.CacheHits.WithLabels(KeystoneMetrics.Valid).Value);
        var metrics = await api.Http.GetStringAsync("/metrics");
        Assert.Contains("dragonflow_keystone_validations_total{result=\"valid\"}", metrics);
    }

    static readonly TimeSpan RevocationGranularity = TimeSpan.FromSeconds(1.1);

    [Fact]
    public async Task A_service_token_that_Keystone_revoked_is_replaced_and_requests_go_on()
    {
        await using var api = await ApiHost.StartAsync(keystone: accounts.Settings(TimeSpan.Zero));
        Assert.Equal(HttpStatusCode.OK, (await AsAsync(api, HttpMethod.Get, "/v2.0/networks", (await accounts.TokenAsync("alice", "alpha")).Token)).Status);
        var serviceTokens = KeystoneMetrics.ServiceTokens.Value;

        // Disabling a user revokes its tokens; enabled again, it may sign in anew.
        await accounts.Admin.SetUserEnabledAsync(accounts.ServiceUserId, false);
        await accounts.Admin.SetUserEnabledAsync(accounts.ServiceUserId, true);
        // Keystone compares a token's issue time with the revocation at whole seconds: a token
        // issued in the second of the revocation is revoked too. A service signs in again later.
        await Task.Delay(RevocationGranularity);

        var reply = await AsAsync(api, HttpMethod.Get, "/v2.0/networks", (await accounts.TokenAsync("alice", "alpha")).Token);
        Assert.True(reply.Status == HttpStatusCode.OK, $"{(int)reply.Status} {reply.Text}");
        Assert.Equal(serviceTokens + 1, KeystoneMetrics.ServiceTokens.Value);
    }

    /// <summary>A token with no scope (alice has no default project): valid for Keystone, but no project for Neutron.</summary>
    async Task<string> UnscopedTokenAsync(string user)
    {
        using var http = new HttpClient { BaseAddress = new Uri(accounts.Keystone.Url + "/") };
        var body = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject
                    {
                        ["user"] = new JsonObject { ["name"] = user, ["domain"] = new JsonObject { ["id"] = "default" }, ["password"] = KeystoneAccounts.Password },
                    },
                },
            },
        };
        using var response = await http.PostAsync("auth/tokens", new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json")));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.DoesNotContain("\"project\"", await response.Content.ReadAsStringAsync());
        return response.Headers.GetValues("X-Subject-Token").Single();
    }
}
