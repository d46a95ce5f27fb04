namespace Dragonflow.Server.Auth;

/// <summary>
/// Turns a request's <c>X-Auth-Token</c> into the <see cref="Identity"/> it stands for, or null when
/// the token is missing, unknown, expired or revoked (the API answers 401).
/// </summary>
public interface IAuthenticator
{
    ValueTask<Identity?> AuthenticateAsync(string? token, CancellationToken cancellationToken);

    /// <summary>The <c>WWW-Authenticate</c> value of a 401, naming where to get a token; null for none.</summary>
    string? Challenge { get; }
}
