using Prometheus;

namespace Dragonflow.Server.Observability;

/// <summary>Prometheus metrics of <c>auth_strategy = keystone</c>: how often Keystone is asked, how often the cache answers, and failures.</summary>
static class KeystoneMetrics
{
    public const string Valid = "valid";
    public const string Refused = "refused";

    public static readonly Counter Validations = Metrics.CreateCounter(
        "dragonflow_keystone_validations_total",
        "User tokens Keystone was asked about (GET /v3/auth/tokens), by answer: valid or refused (unknown, expired, revoked, project-less).",
        new CounterConfiguration { LabelNames = ["result"] });

    public static readonly Counter CacheHits = Metrics.CreateCounter(
        "dragonflow_keystone_cache_hits_total",
        "Requests whose token was answered from the token cache (or by a validation already under way), by answer.",
        new CounterConfiguration { LabelNames = ["result"] });

    public static readonly Counter Failures = Metrics.CreateCounter(
        "dragonflow_keystone_failures_total",
        "Requests answered 503 because Keystone could not be asked: unreachable, too slow, a 5xx, or the service credentials refused.");

    public static readonly Counter ServiceTokens = Metrics.CreateCounter(
        "dragonflow_keystone_service_tokens_total",
        "Service tokens the server obtained from Keystone (at start, on expiry, and when Keystone refused the previous one).");
}
