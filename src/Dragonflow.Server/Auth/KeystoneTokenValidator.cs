using Dragonflow.Server.Observability;
using Microsoft.Extensions.Logging;

namespace Dragonflow.Server.Auth;

/// <summary>
/// <c>auth_strategy = keystone</c>: a request's X-Auth-Token is validated by Keystone (GET
/// /v3/auth/tokens with the server's own service token) and its project, user and roles become
/// the request's <see cref="Identity"/>. A valid token is trusted for token_cache_time but never
/// past its expires_at, so a revoked token is refused once its entry ends; a refused one is
/// remembered for a few seconds. When Keystone cannot answer, <see cref="KeystoneUnavailableException"/>
/// reaches the caller (503) and nothing is cached, so the next request asks again.
/// </summary>
public sealed class KeystoneTokenValidator : IAuthenticator, IDisposable
{
    /// <summary>How long a refused token stays refused without asking again (bounded by token_cache_time).</summary>
    public static readonly TimeSpan RefusalCacheTime = TimeSpan.FromSeconds(5);

    readonly KeystoneClient _client;
    readonly KeystoneSettings _settings;
    readonly ServiceTokenSource _serviceToken;
    readonly TokenCache _cache;
    readonly TimeProvider _clock;
    readonly ILogger _logger;
    int _regionChecked;

    public KeystoneTokenValidator(KeystoneSettings settings, ILogger logger, TimeProvider? clock = null)
    {
        _settings = settings;
        _clock = clock ?? TimeProvider.System;
        _logger = logger;
        _client = new KeystoneClient(KeystoneHttp.Create(settings), _clock);
        _serviceToken = new ServiceTokenSource(_client, settings, _clock);
        _cache = new TokenCache(_clock);
        Challenge = $"Keystone uri=\"{settings.WwwAuthenticateUri}\"";
    }

    public string Challenge { get; }

    string? IAuthenticator.Challenge => Challenge;

    public async ValueTask<Identity?> AuthenticateAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token))
            return null;
        try
        {
            var (verdict, shared) = await _cache.GetAsync(token.Trim(), ValidateAsync, cancellationToken);
            if (shared)
                KeystoneMetrics.CacheHits.WithLabels(verdict.Identity is null ? KeystoneMetrics.Refused : KeystoneMetrics.Valid).Inc();
            return verdict.Identity;
        }
        catch (KeystoneUnavailableException)
        {
            KeystoneMetrics.Failures.Inc();
            throw;
        }
    }

    async Task<TokenVerdict> ValidateAsync(string token)
    {
        // One retry: the first refusal of the service token may just be its expiry or revocation.
        for (var attempt = 0; ; attempt++)
        {
            var service = await _serviceToken.GetAsync();
            CheckRegionOnce(service);
            var answer = await _client.ValidateAsync(service.Token, token);
            var now = _clock.GetUtcNow();
            switch (answer)
            {
                case ValidationAnswer.Valid { Token: var body } when body.Identity is not null && body.ExpiresAt > now:
                    KeystoneMetrics.Validations.WithLabels(KeystoneMetrics.Valid).Inc();
                    var until = now + _settings.TokenCacheTime;
                    return new TokenVerdict(body.Identity, until < body.ExpiresAt ? until : body.ExpiresAt);
                case ValidationAnswer.Valid or ValidationAnswer.Refused:
                    KeystoneMetrics.Validations.WithLabels(KeystoneMetrics.Refused).Inc();
                    return new TokenVerdict(null, now + (RefusalCacheTime < _settings.TokenCacheTime ? RefusalCacheTime : _settings.TokenCacheTime));
                case ValidationAnswer.ServiceTokenRefused when attempt == 0:
                    _logger.LogInformation("Keystone refused the service token; getting a new one");
                    _serviceToken.Invalidate(service);
                    continue;
                default:
                    throw new KeystoneUnavailableException("Keystone refuses the server's own service token even when new");
            }
        }
    }

    void CheckRegionOnce(IssuedToken service)
    {
        if (_settings.RegionName is not { } region || Interlocked.Exchange(ref _regionChecked, 1) == 1)
            return;
        if (!service.Body.IdentityRegions.Contains(region))
            _logger.LogWarning("[keystone_authtoken] region_name {Region}: Keystone's catalog has no identity endpoint there (regions: {Regions})",
                region, string.Join(", ", service.Body.IdentityRegions));
    }

    public void Dispose() => _client.Dispose();
}
