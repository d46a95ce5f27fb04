using System.Net;
using Dragonflow.Testing.Backends;
using Dragonflow.Testing.NorthDb;

namespace Dragonflow.Server.Tests.Keystone;

/// <summary>
/// Keystone behind HTTPS (TLS ended by <see cref="TlsForwarder"/> with a CA of its own, in front of
/// the real Keystone): the server trusts it with cafile naming that CA or with insecure, and answers
/// 503 (not 401) when it cannot trust Keystone's certificate.
/// </summary>
[Collection(KeystoneCollection.Name)]
public sealed class KeystoneTlsTests(KeystoneAccounts accounts) : IAsyncLifetime
{
    readonly ScratchDirectory _dir = new("df-keystone-tls-");
    TlsForwarder? _tls;

    public Task InitializeAsync()
    {
        _tls = new TlsForwarder(accounts.Keystone.Url.Port, _dir.Path);
        return Task.CompletedTask;
    }

    Uri HttpsUrl => new($"https://127.0.0.1:{_tls!.Port}/v3");

    async Task<HttpStatusCode> StatusAsync(Dragonflow.Server.Auth.KeystoneSettings settings)
    {
        await using var api = await ApiHost.StartAsync(keystone: settings);
        var token = await accounts.TokenAsync("alice", "alpha");
        var reply = await api.SendAsync(HttpMethod.Get, "/v2.0/networks", token: token.Token);
        return reply.Status;
    }

    [Fact]
    public async Task Cafile_naming_keystones_CA_is_trusted_and_insecure_accepts_any_certificate()
    {
        var https = accounts.Settings(TimeSpan.FromSeconds(30)) with { AuthUrl = HttpsUrl };
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(https with { CaFile = _tls!.CaFile }));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(https with { Insecure = true }));
    }

    [Fact]
    public async Task An_untrusted_keystone_certificate_is_503_not_401()
    {
        var https = accounts.Settings(TimeSpan.FromSeconds(30)) with { AuthUrl = HttpsUrl };
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(https));
        // Another CA's bundle does not vouch for Keystone's certificate either.
        await using var other = new TlsForwarder(accounts.Keystone.Url.Port, Directory.CreateDirectory(_dir.File("other")).FullName);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(https with { CaFile = other.CaFile }));
    }

    public async Task DisposeAsync()
    {
        if (_tls is not null)
            await _tls.DisposeAsync();
        _dir.Dispose();
    }
}
