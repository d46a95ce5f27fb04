using System.Globalization;
using System.Text.Json;

namespace Dragonflow.Server.Auth;

/// <summary>
/// What the server takes from a Keystone v3 token body (<c>{"token": {...}}</c>): the project, the
/// user, the role names (Keystone lists implied roles too) and <c>expires_at</c>. A token without a
/// project (unscoped, domain- or system-scoped) has no <see cref="Identity"/>: Neutron needs a project.
/// </summary>
public sealed record KeystoneToken(Identity? Identity, DateTimeOffset ExpiresAt, IReadOnlyList<string> IdentityRegions)
{
    /// <exception cref="FormatException">Not a Keystone token body.</exception>
    public static KeystoneToken Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var token = document.RootElement.GetProperty("token");
            var expiresAt = DateTimeOffset.Parse(token.GetProperty("expires_at").GetString()!, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            var userId = token.GetProperty("user").GetProperty("id").GetString()!;
            Identity? identity = null;
            if (token.TryGetProperty("project", out var project) && project.TryGetProperty("id", out var projectId)
                && projectId.GetString() is { Length: > 0 } id)
            {
                var roles = token.TryGetProperty("roles", out var list)
                    ? list.EnumerateArray().Select(r => r.GetProperty("name").GetString() ?? "")
                    : [];
                identity = Identity.Of(id, userId, roles);
            }
            return new KeystoneToken(identity, expiresAt, IdentityRegionsOf(token));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentNullException)
        {
            throw new FormatException($"not a Keystone token body: {e.Message}", e);
        }
    }

    /// <summary>The regions of the identity endpoints in the token's catalog (none when it has no catalog).</summary>
    static List<string> IdentityRegionsOf(JsonElement token)
    {
        var regions = new List<string>();
        if (!token.TryGetProperty("catalog", out var catalog) || catalog.ValueKind != JsonValueKind.Array)
            return regions;
        foreach (var service in catalog.EnumerateArray())
        {
            if (!service.TryGetProperty("type", out var type) || type.GetString() != "identity" || !service.TryGetProperty("endpoints", out var endpoints))
                continue;
            foreach (var endpoint in endpoints.EnumerateArray())
                if (endpoint.TryGetProperty("region_id", out var region) && region.GetString() is { } name)
                    regions.Add(name);
        }
        return regions;
    }
}
