using System.Security.Cryptography;
using System.Text;
using Dragonflow.Model;
using Dragonflow.NorthDb;
using Dragonflow.Server.Api;

namespace Dragonflow.Server.Resources;

/// <summary>
/// Every project has a security group named "default", made on first use with Neutron's default
/// rules: all egress (IPv4 and IPv6), and ingress only from members of the group. Its id is
/// derived from the project id, so servers racing to make it create the same key and exactly
/// one wins.
/// </summary>
static class DefaultSecurityGroup
{
    public static string IdFor(string project)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("dragonflow-default-security-group:" + project));
        hash[6] = (byte)((hash[6] & 0x0f) | 0x50); // RFC 4122 name-based layout, version nibble 5
        hash[8] = (byte)((hash[8] & 0x3f) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }

    public static async Task<string> EnsureAsync(CorePlugin plugin, string project)
    {
        var id = IdFor(project);
        if (await plugin.Nb.TryGetAsync<SecurityGroup>(id) is not null)
            return id;
        var group = new SecurityGroup
        {
            Id = id,
            Topic = project,
            Name = "default",
            Description = "Default security group",
            UniqueKey = await plugin.Nb.AllocateUniqueKeyAsync<SecurityGroup>(),
        };
        foreach (var ethertype in new[] { "IPv4", "IPv6" })
        {
            group.Rules.Add(NewRule(project, "egress", ethertype, null));
            group.Rules.Add(NewRule(project, "ingress", ethertype, id));
        }
        try
        {
            await plugin.Nb.CreateAsync(group);
        }
        catch (NbKeyExistsException)
        {
            // Another server made it first: same id, same content.
        }
        return id;
    }

    static SecurityGroupRule NewRule(string project, string direction, string ethertype, string? remoteGroup) => new()
    {
        Id = Guid.NewGuid().ToString(),
        Topic = project,
        Direction = direction,
        Ethertype = ethertype,
        RemoteGroupId = remoteGroup,
        Version = 1,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };
}
