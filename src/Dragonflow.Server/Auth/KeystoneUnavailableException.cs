namespace Dragonflow.Server.Auth;

/// <summary>
/// Keystone could not say whether a token is valid: unreachable, too slow, a 5xx, an answer that is
/// not Keystone's, or a refusal of the server's own credentials. The API answers 503, never 401:
/// the caller's token may well be good.
/// </summary>
public sealed class KeystoneUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
