using Dragonflow.Server.Observability;

namespace Dragonflow.Server.Auth;

/// <summary>
/// The server's own Keystone token, which it shows as X-Auth-Token when it validates users' tokens.
/// Fetched on first use, renewed shortly before it expires and whenever Keystone refuses it; callers
/// at the same moment share one fetch, and a failed fetch is retried by the next caller.
/// </summary>
sealed class ServiceTokenSource(KeystoneClient client, KeystoneSettings settings, TimeProvider clock)
{
    /// <summary>Renew this long before expiry (at most a quarter of the token's life, for short-lived tokens).</summary>
    static readonly TimeSpan RenewAhead = TimeSpan.FromSeconds(30);

    readonly Lock _gate = new();
    Task<IssuedToken>? _current;

    public Task<IssuedToken> GetAsync()
    {
        lock (_gate)
        {
            if (_current is null || _current.IsFaulted || _current.IsCanceled || (_current.IsCompletedSuccessfully && Stale(_current.Result)))
                _current = IssueAsync();
            return _current;
        }
    }

    /// <summary>Keystone refused <paramref name="token"/>: the next <see cref="GetAsync"/> fetches another (unless one already did).</summary>
    public void Invalidate(IssuedToken token)
    {
        lock (_gate)
        {
            if (_current is { IsCompletedSuccessfully: true } current && ReferenceEquals(current.Result, token))
                _current = null;
        }
    }

    async Task<IssuedToken> IssueAsync()
    {
        // Not the first caller's cancellation: others share this fetch.
        var token = await client.IssueAsync(settings.Username, settings.UserDomainName, settings.Password,
            settings.ProjectName, settings.ProjectDomainName, CancellationToken.None);
        KeystoneMetrics.ServiceTokens.Inc();
        return token;
    }

    bool Stale(IssuedToken token)
    {
        var life = token.Body.ExpiresAt - token.IssuedAt;
        var ahead = life / 4 < RenewAhead ? life / 4 : RenewAhead;
        return clock.GetUtcNow() >= token.Body.ExpiresAt - ahead;
    }
}
